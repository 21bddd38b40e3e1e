"""Which candidate a run publishes: the best by recalibrated validation log loss that does not rank
the validation leads worse than a default LogisticRegression beyond noise.

The validation leads come after the training leads in time (when the data has a time column), so
this is an out-of-time choice. The guard is a paired bootstrap of the difference of validation
ROC AUCs (candidate minus the default model, on the same resampled leads): a candidate whose
whole interval (99% by default, ``TrainConfig.baseline_guard_level``: validation sets are small
and several candidates are tried) lies below zero is passed over. If every candidate fails, the
best one is kept, marked ``guard_failed``, and the run never promotes it by itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.metrics import roc_auc_score

from scoring.metrics import bootstrap_auc_difference
from training.calibrate import EPS, cross_validated_log_loss
from training.fit import Candidate


@dataclass
class Choice:
    """The chosen candidate, the default model's validation AUC and what the guard said."""

    best: Candidate
    baseline_valid_auc: float
    guard_failed: bool = False
    passed_over: list[dict[str, Any]] = field(default_factory=list)
    blend: dict[str, Any] = field(default_factory=dict)  # ``blend_check``: measured only

    def notes(self) -> list[str]:
        lines = [f"{p['name']} passed over: validation ROC AUC {p['valid_auc']:.3f} is below the "
                 f"default LogisticRegression's {self.baseline_valid_auc:.3f} beyond noise "
                 f"(interval of the difference {p['low']:+.3f} to {p['high']:+.3f})"
                 for p in self.passed_over]
        if self.guard_failed:
            lines.append(f"every candidate ranks the validation leads below a default "
                         f"LogisticRegression beyond noise: {self.best.name} is registered as "
                         f"a challenger and never promoted by this run")
        return lines

    def metrics(self) -> dict[str, Any]:
        return {"baseline_valid_auc": self.baseline_valid_auc,
                "chosen_valid_auc": self.best.valid_auc,
                "guard_failed": int(self.guard_failed),
                "candidates_passed_over": len(self.passed_over), **self.blend}


def choose(ranked: list[Candidate], y_valid: np.ndarray, baseline_p: np.ndarray,
           seed: int, level: float = 0.99) -> Choice:
    """The first candidate of ``ranked`` (best first) that the guard lets through.

    Args:
        ranked: fitted candidates, best first, each with its validation probabilities.
        y_valid: validation labels.
        baseline_p: the default LogisticRegression's validation probabilities (fitted on the
            same training leads).
        seed, level: of the paired bootstrap.
    """
    baseline_auc = float(roc_auc_score(y_valid, baseline_p))
    passed_over: list[dict[str, Any]] = []
    for candidate in ranked:
        assert candidate.valid_p is not None
        low, high = bootstrap_auc_difference(y_valid, candidate.valid_p, baseline_p,
                                             level=level, seed=seed)
        if high >= 0:
            return Choice(candidate, baseline_auc, False, passed_over)
        passed_over.append({"name": candidate.name, "valid_auc": candidate.valid_auc,
                            "low": low, "high": high})
    return Choice(ranked[0], baseline_auc, True, passed_over)


def blend_check(ranked: list[Candidate], y_valid: np.ndarray, seed: int) -> dict[str, Any]:
    """How an equal-weight blend (mean log-odds) of the best linear and the best tree candidate
    does on the validation leads, beside the best single candidate: measured and reported, not
    published (the served model is one pipeline, whose reasons the fast path computes)."""
    best = {family: next((c for c in ranked if c.family == family), None)
            for family in ("logreg", "hgb")}
    linear, tree = best["logreg"], best["hgb"]
    if linear is None or tree is None or linear.valid_p is None or tree.valid_p is None:
        return {}
    z = (logit(np.clip(linear.valid_p, EPS, 1 - EPS)) + logit(np.clip(tree.valid_p, EPS,
                                                                       1 - EPS))) / 2
    p = expit(z)
    return {"blend_of": f"{linear.name}+{tree.name}",
            "blend_valid_calibrated_log_loss": cross_validated_log_loss(p, y_valid, "sigmoid",
                                                                        seed),
            "blend_valid_auc": float(roc_auc_score(y_valid, p)),
            "best_valid_calibrated_log_loss": ranked[0].valid_calibrated_log_loss}


__all__ = ["Choice", "choose", "blend_check"]
