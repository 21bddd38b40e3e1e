"""Calibration on held-out data, with the method chosen by cross-validation on that data.

The chosen model is frozen and a calibrator is fitted on the validation set:
``CalibratedClassifierCV(FrozenEstimator(model), method=...)`` (scikit-learn >= 1.6; ``cv="prefit"``
no longer exists). Which method (sigmoid or isotonic) is decided by 5-fold cross-validated log
loss of each calibrator on the validation predictions, so the choice is not judged on the rows it
was fitted on (isotonic would always "win" there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

EPS = 1e-6


@dataclass
class Calibrated:
    """The calibrated model, the method used and the cross-validated log loss of each method."""

    model: CalibratedClassifierCV
    method: str
    cv_log_loss: dict[str, float]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def _fit_predict(method: str, p_fit: np.ndarray, y_fit: np.ndarray,
                 p_eval: np.ndarray) -> np.ndarray:
    if method == "sigmoid":
        lr = LogisticRegression(C=1e6).fit(_logit(p_fit).reshape(-1, 1), y_fit)
        return lr.predict_proba(_logit(p_eval).reshape(-1, 1))[:, 1]
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p_fit, y_fit)
    return np.clip(iso.predict(p_eval), EPS, 1 - EPS)


def cross_validated_log_loss(p_raw: np.ndarray, y: np.ndarray, method: str, seed: int,
                             folds: int = 5) -> float:
    """Mean held-out log loss of ``method`` fitted on the other folds of (p_raw, y)."""
    losses = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fit_idx, eval_idx in splitter.split(p_raw, y):
        p = _fit_predict(method, p_raw[fit_idx], y[fit_idx], p_raw[eval_idx])
        losses.append(log_loss(y[eval_idx], p, labels=[0, 1]))
    return float(np.mean(losses))


def allowed_methods(methods: tuple[str, ...], y_valid: np.ndarray, min_leads: int,
                    min_converted: int) -> tuple[tuple[str, ...], str | None]:
    """The calibration methods the validation set can support, and a note when one is left out.

    Isotonic regression is a step function fitted to the validation leads: on a few hundred of
    them it learns steps of exactly 0 or 1 and ruins the log loss on new leads. It is kept only
    with at least ``min_leads`` validation leads of which ``min_converted`` converted.
    """
    n, converted = len(y_valid), int(np.sum(y_valid))
    if "isotonic" not in methods or (n >= min_leads and converted >= min_converted):
        return methods, None
    kept = tuple(m for m in methods if m != "isotonic") or ("sigmoid",)
    return kept, (f"isotonic calibration left out: the validation set has {n:,} leads, "
                  f"{converted:,} converted (it needs at least {min_leads:,} and "
                  f"{min_converted:,}); {', '.join(kept)} only")


def calibrate(model, x_valid, y_valid: np.ndarray, methods: tuple[str, ...],
              seed: int) -> Calibrated:
    """Choose the calibration method by CV on validation, then fit it on all validation rows."""
    p_raw = model.predict_proba(x_valid)[:, 1]
    scores = {m: cross_validated_log_loss(p_raw, y_valid, m, seed) for m in methods}
    method = min(scores, key=scores.__getitem__)
    calibrated = CalibratedClassifierCV(FrozenEstimator(model), method=method)
    calibrated.fit(x_valid, y_valid)
    return Calibrated(calibrated, method, scores)
