"""Choosing the calibration method: which methods the calibration leads can support, and each
method's cross-validated log loss on their (out-of-fold) scores.

``training.refit`` fits the calibrator on out-of-fold scores of the most recent window; the method
(sigmoid or isotonic) is the one with the lower 5-fold cross-validated log loss on those scores,
so the choice is not judged on the rows it was fitted on (isotonic would always "win" there).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def _fit_predict(method: str, p_fit: np.ndarray, y_fit: np.ndarray,
                 p_eval: np.ndarray) -> np.ndarray:
    if method == "sigmoid":
        lr = LogisticRegression(C=1e6).fit(_logit(p_fit).reshape(-1, 1), y_fit)
        return lr.predict_proba(_logit(p_eval).reshape(-1, 1))[:, 1]
    iso = IsotonicRegression(y_min=EPS, y_max=1 - EPS, out_of_bounds="clip").fit(p_fit, y_fit)
    return np.clip(iso.predict(p_eval), EPS, 1 - EPS)


def _held_out(p_raw: np.ndarray, y: np.ndarray, method: str, seed: int,
              folds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """For each of ``folds`` stratified folds: its rows and their probabilities under
    ``method`` fitted on the other folds."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for fit_idx, eval_idx in splitter.split(p_raw, y):
        yield eval_idx, _fit_predict(method, p_raw[fit_idx], y[fit_idx], p_raw[eval_idx])


def cross_validated_log_loss(p_raw: np.ndarray, y: np.ndarray, method: str, seed: int,
                             folds: int = 5) -> float:
    """Mean held-out log loss of ``method`` fitted on the other folds of (p_raw, y)."""
    return float(np.mean([log_loss(y[rows], p, labels=[0, 1])
                          for rows, p in _held_out(p_raw, y, method, seed, folds)]))


def cross_validated_losses(p_raw: np.ndarray, y: np.ndarray, method: str, seed: int,
                           folds: int = 5) -> np.ndarray:
    """Each lead's held-out log loss under ``method`` fitted on the other folds of (p_raw, y):
    the per-lead terms of ``cross_validated_log_loss``, for paired comparisons."""
    y = np.asarray(y)
    losses = np.empty(len(y))
    for rows, p in _held_out(p_raw, y, method, seed, folds):
        p = np.clip(p, EPS, 1 - EPS)
        losses[rows] = -(y[rows] * np.log(p) + (1 - y[rows]) * np.log(1 - p))
    return losses


def allowed_methods(methods: tuple[str, ...], y_valid: np.ndarray, min_leads: int,
                    min_converted: int) -> tuple[tuple[str, ...], str | None]:
    """The calibration methods the calibration leads can support, and a note when one is left
    out.

    Isotonic regression is a step function fitted to the calibration leads: on a few hundred of
    them it learns steps of exactly 0 or 1 and ruins the log loss on new leads. It is kept only
    with at least ``min_leads`` calibration leads of which ``min_converted`` converted.
    """
    n, converted = len(y_valid), int(np.sum(y_valid))
    if "isotonic" not in methods or (n >= min_leads and converted >= min_converted):
        return methods, None
    kept = tuple(m for m in methods if m != "isotonic") or ("sigmoid",)
    return kept, (f"isotonic calibration left out: the calibration window has {n:,} leads, "
                  f"{converted:,} converted (it needs at least {min_leads:,} and "
                  f"{min_converted:,}); {', '.join(kept)} only")
