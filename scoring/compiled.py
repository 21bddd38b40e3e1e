"""The calibrated pipeline taken apart once at load: encode → raw score → calibrator, and reasons.

``CalibratedClassifierCV(FrozenEstimator(pipeline))`` predicts by encoding the features, taking the
final estimator's ``decision_function`` (raw log-odds) and mapping it through one calibrator. Doing
those three steps directly gives the same probabilities with less per-call overhead, and exposes
the encoded matrix that per-lead reasons need.

Reasons (``contributions``): how much each feature moves this lead's calibrated log-odds compared
with a *reference lead* (the training medians and most frequent categories, stored in the model
card). For feature ``f``: ``logit p(x) - logit p(x with f set to the reference)``.

* logistic regression + sigmoid calibration: the model is additive in the encoded columns and the
  calibrator is affine in log-odds, so this is exact and the contributions add up to
  ``logit p(x) - logit p(reference)``; computed in closed form.
* gradient-boosted trees: the same leave-one-feature-at-reference perturbation, exact per feature
  (not additive). Only the trees that split on a feature are walked again for it
  (``scoring.forest``), and encoding is a table lookup built at load (``scoring.encoding``).
* any other model: the same perturbation, evaluated by re-scoring (one extra row per feature).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from scoring.encoding import TreeEncoding
from scoring.forest import Forest
from scoring.sklearn_parts import calibration_parts, is_sigmoid, sigmoid_ab

EPS = 1e-6
CHUNK = 500  # leads per tree walk: bounds memory on big batches


def _encoded_groups(encode: ColumnTransformer, feature_names: list[str]) -> list[np.ndarray]:
    """For each input feature (in ``feature_names`` order), the encoded columns it feeds."""
    groups: dict[str, list[int]] = {name: [] for name in feature_names}
    for name, transformer, columns in encode.transformers_:
        if name == "remainder" or transformer == "drop":
            continue
        out = encode.output_indices_[name]
        start = out.start
        columns = list(columns)
        last = transformer[-1] if isinstance(transformer, Pipeline) else transformer
        first = transformer[0] if isinstance(transformer, Pipeline) else transformer
        if isinstance(last, OneHotEncoder):
            try:
                infrequent = last.infrequent_categories_
            except AttributeError:  # no min_frequency / max_categories: nothing pooled
                infrequent = [None] * len(columns)
            for i, column in enumerate(columns):
                rare = infrequent[i] if infrequent[i] is not None else []
                width = len(last.categories_[i]) - len(rare) + (1 if len(rare) else 0)
                groups[column].extend(range(start, start + width))
                start += width
        else:
            for column in columns:
                groups[column].append(start)
                start += 1
            indicator = getattr(first, "indicator_", None)
            if indicator is not None:
                for j in indicator.features_:
                    groups[columns[j]].append(start)
                    start += 1
        if start != out.stop:
            raise ValueError(f"cannot map encoded columns of {name!r}: {start} != {out.stop}")
    return [np.array(groups[name], dtype=int) for name in feature_names]


@dataclass
class CompiledModel:
    """Encode, raw score and calibrate, with per-feature contributions."""

    encode: ColumnTransformer
    estimator: Any
    calibrator: Any
    feature_names: list[str]
    groups: list[np.ndarray]
    reference: np.ndarray  # encoded reference lead, shape (n_encoded,)
    tables: TreeEncoding | None = None  # trees: encoding by lookup, straight to the trees' input
    forest: Forest | None = None  # trees: all walked at once

    @classmethod
    def from_calibrated(cls, model: CalibratedClassifierCV, reference: pd.DataFrame
                        ) -> CompiledModel:
        """Take apart a model calibrated with one calibrator on a frozen pipeline."""
        pipeline, calibrator = calibration_parts(model)
        encode, estimator = pipeline[:-1], pipeline[-1]
        column_transformer = encode[-1] if isinstance(encode, Pipeline) else encode
        names = list(reference.columns)
        if isinstance(estimator, HistGradientBoostingClassifier):
            tables = TreeEncoding.from_pipeline(encode, estimator, reference)
            groups = [np.array([tables.column_of[n]]) for n in names]
            return cls(encode, estimator, calibrator, names, groups,
                       tables.transform(reference)[0], tables, Forest.from_estimator(estimator))
        groups = _encoded_groups(column_transformer, names)
        ref = np.asarray(encode.transform(reference), dtype=float)[0]
        return cls(encode, estimator, calibrator, names, groups, ref)

    def encode_frame(self, x: pd.DataFrame) -> np.ndarray:
        """The estimator's input for model-input columns ``x`` (a DataFrame or dict of arrays)."""
        if self.tables is not None:
            return self.tables.transform(x)
        if not isinstance(x, pd.DataFrame):
            x = pd.DataFrame({name: x[name] for name in self.feature_names})
        return np.asarray(self.encode.transform(x), dtype=float)

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        """The calibrator's probability for raw scores (its own formula, without input checks)."""
        if is_sigmoid(self.calibrator):
            a, b = sigmoid_ab(self.calibrator)
            return expit(-(a * raw + b))
        if isinstance(self.calibrator, IsotonicRegression) and \
                self.calibrator.out_of_bounds == "clip":
            return np.interp(raw, self.calibrator.X_thresholds_, self.calibrator.y_thresholds_)
        return self.calibrator.predict(raw)

    def _logit_from_raw(self, raw: np.ndarray) -> np.ndarray:
        p = np.clip(self._calibrate(raw), EPS, 1 - EPS)
        return np.log(p / (1 - p))

    def raw_score(self, z: np.ndarray) -> np.ndarray:
        """The final estimator's raw log-odds (before calibration)."""
        if self.forest is not None:
            return np.concatenate([self.forest.raw(z[lo:lo + CHUNK])
                                   for lo in range(0, len(z), CHUNK)]) if len(z) else np.zeros(0)
        return self.estimator.decision_function(z)

    def proba_from_raw(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(self._calibrate(raw), 0.0, 1.0)

    def proba_from_encoded(self, z: np.ndarray) -> np.ndarray:
        return self.proba_from_raw(self.raw_score(z))

    def predict(self, x: pd.DataFrame) -> np.ndarray:
        """Calibrated probability per row (same as the calibrated model's predict_proba[:, 1])."""
        return self.proba_from_encoded(self.encode_frame(x))

    @property
    def exact(self) -> bool:
        """True when contributions are an exact additive decomposition (linear + sigmoid)."""
        return hasattr(self.estimator, "coef_") and is_sigmoid(self.calibrator)

    def contributions(self, z: np.ndarray, raw: np.ndarray | None = None) -> np.ndarray:
        """(n_leads, n_features) change in calibrated log-odds from each feature vs reference.

        ``raw`` is ``raw_score(z)`` when the caller already has it (saves one model call).
        """
        if self.exact:
            coef = np.ravel(self.estimator.coef_)
            delta = (z - self.reference) * coef * -sigmoid_ab(self.calibrator)[0]
            return np.column_stack([delta[:, g].sum(axis=1) for g in self.groups])
        if self.forest is not None:
            return self._tree_contributions(z)[1]
        base = self._logit_from_raw(self.raw_score(z) if raw is None else raw)
        n, f = len(z), len(self.groups)
        out = np.zeros((n, f))
        # A feature already at the reference value contributes exactly 0: score only the others.
        same = (z == self.reference) | (np.isnan(z) & np.isnan(self.reference))
        differs = np.column_stack([~same[:, g].all(axis=1) for g in self.groups])
        leads, feats = np.nonzero(differs)
        for lo in range(0, len(leads), 50_000):
            rows, cols = leads[lo:lo + 50_000], feats[lo:lo + 50_000]
            stacked = z[rows].copy()
            for j in np.unique(cols):
                at = cols == j
                stacked[np.ix_(at, self.groups[j])] = self.reference[self.groups[j]]
            perturbed = self._logit_from_raw(self.raw_score(stacked))
            out[rows, cols] = base[rows] - perturbed
        return out

    def explain(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated probabilities and contributions (see ``contributions``) in one pass."""
        if self.forest is not None:
            raw, out = self._tree_contributions(z)
            return self.proba_from_raw(raw), out
        raw = self.raw_score(z)
        return self.proba_from_raw(raw), self.contributions(z, raw)

    def _tree_contributions(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores and contributions, tree walks shared between the two."""
        assert self.forest is not None
        out = np.zeros((len(z), len(self.groups)))
        raws = np.zeros(len(z))
        columns = np.concatenate(self.groups)  # one internal column per feature
        for lo in range(0, len(z), CHUNK):
            raw, changed = self.forest.raw_without(z[lo:lo + CHUNK], self.reference)
            raws[lo:lo + len(raw)] = raw
            changed = changed[:, columns]
            moved = changed != raw[:, None]
            if moved.any():
                base = self._logit_from_raw(raw)
                rows, cols = np.nonzero(moved)
                out[lo + rows, cols] = base[rows] - self._logit_from_raw(changed[rows, cols])
        return raws, out


def reference_lead(x: pd.DataFrame, numeric: list[str], categorical: list[str]) -> dict[str, Any]:
    """The reference lead for reasons: numeric medians and most frequent categories."""
    ref: dict[str, Any] = {}
    for name in x.columns:
        column = x[name]
        if name in categorical:
            mode = column.dropna().mode()
            ref[name] = str(mode.iloc[0]) if len(mode) else None
        else:
            ref[name] = float(column.median()) if column.notna().any() else None
    return ref
