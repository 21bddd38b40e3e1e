"""The model choice never lets through a candidate that ranks the validation leads below a default
LogisticRegression beyond noise."""

from __future__ import annotations

import numpy as np
import pytest

from training.choose import choose
from training.fit import Candidate


def scores(y: np.ndarray, signal: float, seed: int) -> np.ndarray:
    """Scores whose ranking of ``y`` gets better with ``signal``."""
    return signal * y + np.random.default_rng(seed).normal(size=len(y))


def candidate(name: str, p: np.ndarray, y: np.ndarray) -> Candidate:
    from sklearn.metrics import roc_auc_score

    return Candidate(name, "test", {}, None, 0.0, 0.0, 0.0, float(roc_auc_score(y, p)), p)


@pytest.fixture(scope="module")
def y():
    return (np.random.default_rng(0).random(3000) < 0.15).astype(int)


def test_a_candidate_clearly_below_the_default_model_is_passed_over(y):
    baseline = scores(y, 1.5, 1)
    ranked = [candidate("weak", scores(y, 0.5, 2), y), candidate("strong", scores(y, 1.6, 3), y)]
    choice = choose(ranked, y, baseline, seed=0)
    assert choice.best.name == "strong" and not choice.guard_failed
    assert [p["name"] for p in choice.passed_over] == ["weak"]
    assert "weak passed over" in choice.notes()[0]
    assert choice.metrics()["candidates_passed_over"] == 1


def test_a_candidate_within_noise_of_the_default_model_is_kept(y):
    baseline = scores(y, 1.5, 1)
    ranked = [candidate("close", scores(y, 1.45, 4), y)]
    choice = choose(ranked, y, baseline, seed=0)
    assert choice.best.name == "close" and not choice.passed_over and not choice.guard_failed


def test_when_every_candidate_fails_the_best_is_kept_but_marked(y):
    baseline = scores(y, 2.0, 1)
    ranked = [candidate("a", scores(y, 0.4, 5), y), candidate("b", scores(y, 0.3, 6), y)]
    choice = choose(ranked, y, baseline, seed=0)
    assert choice.guard_failed and choice.best.name == "a"
    assert choice.metrics()["guard_failed"] == 1
    assert "never promoted" in choice.notes()[-1]


def test_the_blend_of_the_best_linear_and_tree_candidates_is_measured(y):
    from training.choose import blend_check

    linear = candidate("logreg_C1", 1 / (1 + np.exp(-scores(y, 1.0, 7))), y)
    tree = candidate("hgb_0", 1 / (1 + np.exp(-scores(y, 1.0, 8))), y)
    linear.family, tree.family = "logreg", "hgb"
    blend = blend_check([tree, linear], y, seed=0)
    assert blend["blend_of"] == "logreg_C1+hgb_0"
    # two equally good scores with independent noise: their mean ranks better than either
    assert blend["blend_valid_auc"] > max(linear.valid_auc, tree.valid_auc)
    assert blend_check([tree], y, seed=0) == {}
