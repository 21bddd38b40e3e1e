"""Which candidate a run publishes: the best by mean recalibrated log loss over the time-ordered
folds (``training.folds``), unless it ranks the newest folds below the default LogisticRegression
beyond noise; the default model itself is a candidate, and the floor.

The floor is a paired bootstrap of the mean over the newest ``guard_folds`` folds of the
difference of ROC AUCs (candidate minus the default model, on the same resampled leads, each fold
resampled on its own): a candidate whose whole interval (``TrainConfig.baseline_guard_level``)
lies below zero is passed over, and the next one is tried. The default model always passes: when
it is reached, it is published (calibrated like any candidate) and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.metrics import roc_auc_score

from scoring.metrics import bootstrap_mean_auc_difference
from training.calibrate import EPS, cross_validated_log_loss
from training.fit import DEFAULT_FAMILY, Candidate
from training.folds import Fold


@dataclass
class Choice:
    """The chosen candidate, the default model, the folds and what the floor said."""

    best: Candidate
    default: Candidate
    folds: list[Fold]
    guard_folds: int
    interval: tuple[float, float] | None = None  # chosen minus default, newest folds
    passed_over: list[dict[str, Any]] = field(default_factory=list)
    blend: dict[str, Any] = field(default_factory=dict)  # ``blend_check``: measured only

    @property
    def default_chosen(self) -> bool:
        return self.best is self.default

    def _newest(self) -> str:
        numbers = [f.number for f in self.folds[-self.guard_folds:]]
        return ("fold " if len(numbers) == 1 else "folds ") + ", ".join(map(str, numbers))

    def notes(self) -> list[str]:
        lines = [f"{p['name']} passed over: on the newest {self._newest()} its ROC AUC "
                 f"{p['valid_auc']:.3f} is below the default LogisticRegression's "
                 f"{p['default_auc']:.3f} beyond noise (interval of the difference "
                 f"{p['low']:+.3f} to {p['high']:+.3f})" for p in self.passed_over]
        if self.default_chosen:
            lines.append("the default LogisticRegression (what a plain notebook fits) is the "
                         "best candidate on the time-ordered folds: it is published, calibrated "
                         "on the newest leads like any candidate")
        return lines

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "baseline_valid_auc": self.default.valid_auc,
            "chosen_valid_auc": self.best.valid_auc,
            "default_chosen": int(self.default_chosen),
            "candidates_passed_over": len(self.passed_over),
            "selection_folds": len(self.folds), "guard_folds": self.guard_folds,
            "chosen_half_life_days": self.best.recipe.half_life_days or 0.0, **self.blend}
        if self.interval is not None:
            out["chosen_vs_default_auc_low"], out["chosen_vs_default_auc_high"] = self.interval
        for fold, mine, theirs in zip(self.folds, self.best.fold_auc, self.default.fold_auc,
                                      strict=True):
            out[f"selection_fold{fold.number}_span"] = fold.span
            out[f"selection_fold{fold.number}_rows"] = len(fold.held)
            out[f"chosen_fold{fold.number}_auc"] = mine
            out[f"baseline_fold{fold.number}_auc"] = theirs
        return out


def fold_metrics(candidates: list[Candidate]) -> dict[str, float]:
    """``valid_auc_fold<k>_<name>`` for every candidate and fold (the metrics JSON, MLflow)."""
    return {f"valid_auc_fold{k}_{c.name}": auc for c in candidates
            for k, auc in enumerate(c.fold_auc, start=1)}


def choose(ranked: list[Candidate], folds: list[Fold], fold_y: list[np.ndarray], seed: int,
           level: float = 0.95, guard_folds: int = 2) -> Choice:
    """The first candidate of ``ranked`` (best first) that the floor lets through.

    Args:
        ranked: measured candidates, best first; one of them is the default model.
        folds, fold_y: the folds (oldest first) and the labels of each fold's block.
        seed, level: of the paired bootstrap.
        guard_folds: how many of the newest folds the floor is judged on.
    """
    default = next(c for c in ranked if c.family == DEFAULT_FAMILY)
    newest = min(guard_folds, len(folds))
    passed_over: list[dict[str, Any]] = []
    for candidate in ranked:
        if candidate.not_chosen_because is not None:
            continue
        if candidate is default:
            return Choice(candidate, default, folds, newest, None, passed_over)
        parts = [(fold_y[k], candidate.fold_p[k], default.fold_p[k])
                 for k in range(len(folds) - newest, len(folds))]
        low, high = bootstrap_mean_auc_difference(parts, level=level, seed=seed)
        if high >= 0:
            return Choice(candidate, default, folds, newest, (low, high), passed_over)
        passed_over.append({"name": candidate.name,
                            "valid_auc": float(np.mean(candidate.fold_auc[-newest:])),
                            "default_auc": float(np.mean(default.fold_auc[-newest:])),
                            "low": low, "high": high})
    raise AssertionError("unreachable: the default model is among the candidates")


def blend_check(ranked: list[Candidate], fold_y: list[np.ndarray], seed: int) -> dict[str, Any]:
    """How an equal-weight blend (mean log-odds) of the best linear and the best tree candidate
    does on the folds' blocks, beside the best single candidate: measured and reported, not
    published (the served model is one pipeline, whose reasons the fast path computes)."""
    best = {family: next((c for c in ranked if c.family == family
                          and c.not_chosen_because is None), None)
            for family in ("logreg", "hgb")}
    linear, tree = best["logreg"], best["hgb"]
    if linear is None or tree is None:
        return {}
    y = np.concatenate(fold_y)
    z = (logit(np.clip(linear.valid_p, EPS, 1 - EPS))
         + logit(np.clip(tree.valid_p, EPS, 1 - EPS))) / 2
    p = expit(z)
    return {"blend_of": f"{linear.name}+{tree.name}",
            "blend_valid_calibrated_log_loss": cross_validated_log_loss(p, y, "sigmoid", seed),
            "blend_valid_auc": float(roc_auc_score(y, p)),
            "best_valid_calibrated_log_loss": ranked[0].valid_calibrated_log_loss}


__all__ = ["Choice", "choose", "blend_check", "fold_metrics"]
