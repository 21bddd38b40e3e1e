"""The reference profile of a model's training data: what "normal" looked like when it was trained.

Training computes it on the **calibration window** of the published model (``training.refit``:
the newest ``calibration_window`` share of its labelled leads, whose out-of-fold scores fitted
the calibrator; every lead when the data has no time) and saves it with the model
(``profile.json`` in the bundle, ``profile.json`` among the MLflow run's artifacts);
``monitoring`` compares new leads with it (by default the leads after its period: newer than
every lead the model was fitted on).

Why the window, not the whole training matrix: the probabilities describe the population the
model is calibrated on (and moved to by the prior shift), and that is what new leads must still
look like. A history whose market changed mixes both regimes: profiled whole, a champion
retrained after the change is flagged for drift on leads that look exactly like its calibration
window (on the drifting demo, PSI of ``source`` 0.21-0.32 a month after the change against the
whole history, 0.00-0.02 against the window), and a scheduler would retrain it every night.
It holds, per model input:

* numeric: inner bin edges at the deciles of the training values (repeated quantiles merged, so
  a count that is mostly 0 gets a bin of its own) and the share of training leads per bin, with a
  last bin for missing values; bin ``i`` holds ``edges[i-1] < v <= edges[i]``;
* categorical: the ``TOP_CATEGORIES`` most frequent values holding at least
  ``MIN_CATEGORY_SHARE`` of the leads each, with their shares, then "(other)" and "(missing)";

the same binning of the model's score on the training leads, the training period (first and last
scoring moment), the number of leads and their label rate. It is plain JSON (``to_dict``).

Binning lives here, beside the edges it reads, so the training side and the monitoring side can
never bin differently.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROFILE_FILE = "profile.json"  # in the bundle folder
PROFILE_ARTIFACT = "profile"  # logged by training.track as profile.json
NUMERIC_BINS = 10
TOP_CATEGORIES = 10
MIN_CATEGORY_SHARE = 0.02  # rarer values go to "(other)": a bin of a few leads a month is noise
OTHER, MISSING = "(other)", "(missing)"
SCORE = "score"  # the name of the model's score in a profile
FEW_VALUES = 4  # up to this many values, bins are found one by one (faster than numpy's set-up)
FEW_CATEGORIES = 2_000  # the same for categories, by a dict lookup (pandas' set-up is dearer)


class ProfileError(RuntimeError):
    """The profile is missing, unreadable or belongs to another model."""


@dataclass(frozen=True)
class ColumnProfile:
    """One column's bins and the training shares of each (the last bin: missing values)."""

    name: str
    kind: str  # "numeric" or "categorical"
    edges: list[float] = field(default_factory=list)  # numeric: inner edges, increasing
    categories: list[str] = field(default_factory=list)  # categorical: the top values
    shares: list[float] = field(default_factory=list)

    @property
    def bin_labels(self) -> list[str]:
        """A readable name per bin ("<= 3", "3 - 7", "> 7", "(missing)"; or the categories)."""
        if self.kind == "categorical":
            return [*self.categories, OTHER, MISSING]
        e = [f"{v:.4g}" for v in self.edges]
        if not e:
            return ["all", MISSING]
        middle = [f"{a} - {b}" for a, b in zip(e[:-1], e[1:], strict=True)]
        return [f"<= {e[0]}", *middle, f"> {e[-1]}", MISSING]

    def bin_index(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """The bin of each of ``values`` (0-based; the last bin holds missing values).

        A request's lead or two (and a batch of categories) is binned value by value, numbers
        without a pandas Series: the service's prediction log bins every answer
        (``scoring.fingerprint``).
        """
        x = np.asarray(values)
        few = FEW_CATEGORIES if self.kind == "categorical" else FEW_VALUES
        if len(x) <= few and (self.kind != "numeric" or x.dtype.kind in "biuf"):
            return np.array([self._bin(v) for v in x.tolist()], dtype=np.int64)
        if self.kind == "categorical":
            s = pd.Series(values)
            text = s.astype("str").where(s.notna())
            index = pd.Index(self.categories).get_indexer(text)
            index = np.where(index < 0, len(self.categories), index)  # (other)
            return np.where(text.isna().to_numpy(), len(self.categories) + 1, index)
        if x.dtype.kind in "biuf":
            v = x.astype("float64")
        else:  # text or objects: pandas' reading of numbers
            v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan)
        index = np.searchsorted(np.asarray(self.edges, dtype="float64"), v, side="left")
        return np.where(np.isnan(v), len(self.edges) + 1, index)

    def _bin(self, value: Any) -> int:
        """The bin of one value (``bin_index``, value by value)."""
        if value is None or value is pd.NA or value is pd.NaT or (
                isinstance(value, float) and value != value):
            return self.n_bins - 1
        if self.kind == "numeric":
            return bisect.bisect_left(self.edges, float(value))
        return self._category_bins.get(str(value), len(self.categories))

    @cached_property
    def _category_bins(self) -> dict[str, int]:
        return {category: i for i, category in enumerate(self.categories)}

    @property
    def n_bins(self) -> int:
        return len(self.categories) + 2 if self.kind == "categorical" else len(self.edges) + 2

    def bin_counts(self, values: pd.Series | np.ndarray) -> np.ndarray:
        """How many of ``values`` fall in each bin of this profile."""
        return np.bincount(self.bin_index(values), minlength=self.n_bins)


def numeric_profile(name: str, values: pd.Series, bins: int = NUMERIC_BINS) -> ColumnProfile:
    """Decile edges (merged where equal) and the shares per bin of a numeric column."""
    x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype="float64")
    edges = (np.unique(np.quantile(x, np.arange(1, bins) / bins)).tolist() if len(x) else [])
    profile = ColumnProfile(name, "numeric", edges=[float(e) for e in edges])
    return _with_shares(profile, values)


def categorical_profile(name: str, values: pd.Series, top: int = TOP_CATEGORIES,
                        min_share: float = MIN_CATEGORY_SHARE) -> ColumnProfile:
    """The ``top`` most frequent values (ties by name) holding ``min_share`` of the rows or more,
    and the shares of each, of the other values and of missing ones."""
    counts = values.dropna().astype("str").value_counts()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    kept = counts[counts >= min_share * max(len(values), 1)].index[:top]
    profile = ColumnProfile(name, "categorical", categories=[str(c) for c in kept])
    return _with_shares(profile, values)


def _with_shares(profile: ColumnProfile, values: pd.Series) -> ColumnProfile:
    counts = profile.bin_counts(values)
    shares = counts / max(int(counts.sum()), 1)
    return ColumnProfile(profile.name, profile.kind, profile.edges, profile.categories,
                         [float(v) for v in shares])


def column_profile(name: str, values: pd.Series) -> ColumnProfile:
    """A numeric profile for numbers and booleans, a categorical one for anything else."""
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    return numeric_profile(name, values) if numeric else categorical_profile(name, values)


@dataclass(frozen=True)
class ReferenceProfile:
    """The training data of one model, binned (see the module docstring)."""

    features: list[ColumnProfile]
    score: ColumnProfile
    n_leads: int
    label_rate: float
    period_start: str | None = None
    period_end: str | None = None
    data_sha256: str | None = None  # the card's data fingerprint: which model this belongs to

    def feature(self, name: str) -> ColumnProfile:
        return next(f for f in self.features if f.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ReferenceProfile:
        return cls(features=[ColumnProfile(**f) for f in values["features"]],
                   score=ColumnProfile(**values["score"]),
                   **{k: v for k, v in values.items() if k not in ("features", "score")})


def reference_profile(x: pd.DataFrame, model: Any, y: pd.Series,
                      scored_at: pd.Series | None = None,
                      data_sha256: str | None = None) -> ReferenceProfile:
    """The profile of the training matrix ``x`` (labels ``y``) and of ``model``'s score on it.

    Args:
        x: the model inputs of the leads to profile, one row per lead (training passes the
            published model's calibration window, see the module docstring).
        model: the published model (``predict_proba``).
        y: the labels of those leads (0/1).
        scored_at: each lead's scoring moment (UTC), for the training period; None if unknown.
        data_sha256: the data fingerprint the model card carries, to tie the profile to it.
    """
    score = model.predict_proba(x)[:, 1]
    when = None if scored_at is None else pd.to_datetime(scored_at.reindex(x.index), utc=True)
    known = when is not None and when.notna().any()
    return ReferenceProfile(
        features=[column_profile(str(name), x[name]) for name in x.columns],
        score=numeric_profile(SCORE, pd.Series(score)),
        n_leads=len(x), label_rate=float(np.mean(y)),
        period_start=str(when.min().date()) if known and when is not None else None,
        period_end=str(when.max().date()) if known and when is not None else None,
        data_sha256=data_sha256)


def read_profile(folder: str | Path, data_sha256: str | None = None) -> ReferenceProfile:
    """The profile saved with the bundle in ``folder``.

    Raises ProfileError when there is none (a model trained before profiles existed), it cannot
    be read, or it belongs to other training data than ``data_sha256`` (the card's fingerprint).
    """
    path = Path(folder).resolve() / PROFILE_FILE  # the version folder the link names now
    if not path.exists():
        raise ProfileError(f"{path}: the champion has no reference profile of its training data "
                           f"(trained before monitoring existed); retrain it with `leadconv train "
                           f"--data DIR --promote-if-better` to monitor it")
    try:
        profile = ReferenceProfile.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ProfileError(f"{path}: not a readable profile ({exc}); retrain to rewrite "
                           f"it") from exc
    if data_sha256 and profile.data_sha256 and profile.data_sha256 != data_sha256:
        raise ProfileError(f"{path}: the profile belongs to other training data than the "
                           f"champion's model card; retrain to rewrite it")
    return profile
