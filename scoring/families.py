"""Fit and engagement: the model's own probability for *who the lead is* and *what it does*.

Sales asks for both ("right company, not yet active" is a different call from "very active
student"). Both parts come from the one calibrated model that gives the score, by asking it a
counterfactual question per lead:

* **fit**: the probability with every behaviour feature set to the reference lead's value (the
  training medians and most frequent categories, ``scoring.compiled``), so only firmographic,
  demographic, source and declared (BANT form) features differ from a typical lead;
* **engagement**: the probability with every *other* feature at the reference, so only what the
  lead did (page views, downloads, demo requests, silence, ...) differs.

Why this and not two more models trained on each family: the parts can never contradict the score
(a lead strong on both is strong overall, through the same model and calibrator); they cost two
extra passes of the model already loaded, with nothing more to train, sign or keep in step; and
for logistic regression with sigmoid calibration the parts are exact: ``logit(fit) + logit(eng)
- logit(reference) = logit(score)``. For trees the parts include the interactions each family has
with a typical lead of the other, not the lead's own (a known, documented simplification).
``benchmarks/bench_fit_engagement.py`` measures the parts against the demo's true fit and
engagement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from scoring.compiled import CompiledModel

ENGAGEMENT_FAMILIES = frozenset({"behaviour"})
FIT_FAMILIES = frozenset({"firmographic", "demographic", "source", "declared"})


def family_columns(compiled: CompiledModel, families: Mapping[str, str]
                   ) -> tuple[np.ndarray, np.ndarray] | None:
    """The encoded columns of the engagement features and of the fit features; None when the
    model's inputs are not all in one of the two (a flat export's features have no family)."""
    engagement: list[np.ndarray] = []
    fit: list[np.ndarray] = []
    for name, group in zip(compiled.feature_names, compiled.groups, strict=True):
        family = families.get(name)
        if family in ENGAGEMENT_FAMILIES:
            engagement.append(group)
        elif family in FIT_FAMILIES:
            fit.append(group)
        else:
            return None
    if not engagement or not fit:
        return None
    return np.concatenate(engagement), np.concatenate(fit)


def part_probabilities(compiled: CompiledModel, z: np.ndarray,
                       columns: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(fit, engagement) probabilities of encoded leads ``z`` (see the module docstring)."""
    engagement_cols, fit_cols = columns
    fit_rows = z.copy()
    fit_rows[:, engagement_cols] = compiled.reference[engagement_cols]
    engagement_rows = z.copy()
    engagement_rows[:, fit_cols] = compiled.reference[fit_cols]
    both = compiled.proba_from_encoded(np.concatenate([fit_rows, engagement_rows]))
    return both[:len(z)], both[len(z):]


def crm_score(probability: np.ndarray | Sequence[float]) -> np.ndarray:
    """The 1-100 score CRMs show: the probability in percent, rounded, never 0 (a lead is never
    certain not to convert) and at most 100."""
    return np.clip(np.rint(np.asarray(probability, dtype=float) * 100), 1, 100).astype(int)
