"""Prior shift: when the newest matured cohort converts at a rate the calibrated model does not
predict, move every lead's log-odds by one constant so that the cohort's mean prediction meets
its observed rate.

A base rate that drifts (a new market, a better-qualified inflow, a change of what counts as an
SQL) moves all leads' odds together; the ranking learnt from the history still holds. The shift is
made only when the gap is beyond noise: the observed count of conversions in the cohort is at
least ``z_min`` binomial standard deviations from the predicted count. It is measured on
out-of-fold predictions (scores of models that did not see the cohort), and it is said: the run's
metrics and progress name the cohort, both rates and the shift.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit

MAX_SHIFT = 10.0  # log-odds: beyond this the cohort is degenerate (all or none converted)


@dataclass(frozen=True)
class PriorShift:
    """The newest matured cohort against the calibrated predictions.

    Attributes:
        month: the cohort (the newest calendar month with enough labelled leads).
        n: leads in it.
        observed: its conversion rate.
        predicted: the calibrated model's mean prediction for it, before any shift.
        z: (observed - predicted conversions) / binomial standard deviation.
        delta: the log-odds added to every prediction (0.0 when not applied).
        applied: whether the gap was beyond noise and the shift was made.
    """

    month: str
    n: int
    observed: float
    predicted: float
    z: float
    delta: float
    applied: bool

    def describe(self) -> str:
        gap = (f"newest matured cohort {self.month} ({self.n:,} leads) converted "
               f"{self.observed:.1%}, the calibrated model predicted {self.predicted:.1%} "
               f"(z = {self.z:+.1f})")
        if self.applied:
            return f"{gap}: prior shift of {self.delta:+.3f} log-odds applied to every lead"
        return f"{gap}: within noise, no prior shift"

    def metrics(self) -> dict[str, Any]:
        return {f"prior_shift_{k}": v for k, v in asdict(self).items()}


def shift_for_rate(p: np.ndarray, rate: float, eps: float) -> float:
    """The log-odds ``delta`` with ``mean(expit(logit(p) + delta)) == rate``."""
    z = logit(np.clip(np.asarray(p, dtype=float), eps, 1 - eps))
    target = float(np.clip(rate, eps, 1 - eps))

    def gap(delta: float) -> float:
        return float(expit(z + delta).mean()) - target

    if gap(-MAX_SHIFT) > 0:
        return -MAX_SHIFT
    if gap(MAX_SHIFT) < 0:
        return MAX_SHIFT
    return float(brentq(gap, -MAX_SHIFT, MAX_SHIFT, xtol=1e-8))


def prior_shift(month: str, p: np.ndarray, y: np.ndarray, z_min: float,
                eps: float) -> PriorShift:
    """Measure the cohort (calibrated out-of-fold predictions ``p``, labels ``y``) and decide the
    shift: applied when ``|z| >= z_min``."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    expected, observed = float(p.sum()), float(y.sum())
    sd = float(np.sqrt(np.sum(p * (1 - p)))) or 1.0
    z = (observed - expected) / sd
    applied = abs(z) >= z_min
    delta = shift_for_rate(p, observed / len(y), eps) if applied else 0.0
    return PriorShift(month, len(y), round(observed / len(y), 6), round(expected / len(y), 6),
                      round(z, 3), round(delta, 6), applied)


__all__ = ["PriorShift", "prior_shift", "shift_for_rate"]
