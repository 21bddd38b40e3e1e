"""The model choice: the best candidate on the time-ordered folds, never one that ranks the
newest folds below the default LogisticRegression beyond noise; the default model is a
candidate, published (and said) when it is reached."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from training.choose import blend_check, choose, fold_metrics
from training.fit import DEFAULT_FAMILY, Candidate, Recipe
from training.folds import Fold

N_FOLDS, PER_FOLD = 3, 1500


def scores(y: np.ndarray, signal: float, seed: int) -> np.ndarray:
    """Probabilities whose ranking of ``y`` gets better with ``signal``."""
    z = signal * y + np.random.default_rng(seed).normal(size=len(y)) - 2
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def folds():
    ids = pd.Index([f"L{i:05d}" for i in range(N_FOLDS * PER_FOLD)])
    return [Fold(k + 1, ids[:k * PER_FOLD], ids[k * PER_FOLD:(k + 1) * PER_FOLD], "")
            for k in range(N_FOLDS)]


@pytest.fixture(scope="module")
def fold_y():
    rng = np.random.default_rng(0)
    return [(rng.random(PER_FOLD) < 0.15).astype(int) for _ in range(N_FOLDS)]


def candidate(name: str, signals: list[float], fold_y: list[np.ndarray], seed: int,
              family: str = "test", loss: float = 0.0) -> Candidate:
    """A measured candidate with one signal strength per fold; ``loss`` its ranking key."""
    ps = [scores(y, s, seed + k) for k, (y, s) in enumerate(zip(fold_y, signals, strict=True))]
    return Candidate(Recipe(name, family, {}, None), [float(roc_auc_score(y, p))  # type: ignore
                                                      for y, p in zip(fold_y, ps, strict=True)],
                     [loss] * len(ps), [np.full(len(p), loss) for p in ps], ps, 0.0)


def default(fold_y):
    return candidate("default_logreg", [1.5, 1.5, 1.5], fold_y, 100, DEFAULT_FAMILY, 0.5)


def test_a_candidate_below_the_default_on_the_newest_folds_is_passed_over(folds, fold_y):
    # best on the oldest fold (where it is strong), weak on the two newest
    odd = candidate("odd_window", [3.0, 0.5, 0.5], fold_y, 10, loss=0.1)
    steady = candidate("steady", [1.6, 1.6, 1.6], fold_y, 20, loss=0.2)
    choice = choose([odd, steady, default(fold_y)], folds, fold_y, seed=0)
    assert choice.best.name == "steady" and not choice.default_chosen
    assert [p["name"] for p in choice.passed_over] == ["odd_window"]
    assert "newest folds 2, 3" in choice.notes()[0]
    assert choice.metrics()["candidates_passed_over"] == 1
    low, high = choice.interval
    assert low <= choice.metrics()["chosen_vs_default_auc_high"] == high


def test_a_candidate_within_noise_of_the_default_is_kept(folds, fold_y):
    close = candidate("close", [1.45, 1.45, 1.45], fold_y, 30, loss=0.1)
    choice = choose([close, default(fold_y)], folds, fold_y, seed=0)
    assert choice.best.name == "close" and not choice.passed_over


def test_when_every_candidate_ranks_below_it_the_default_model_is_published_and_said(
        folds, fold_y):
    weak = [candidate(n, [0.4, 0.4, 0.4], fold_y, s, loss=0.1) for n, s in (("a", 5), ("b", 6))]
    choice = choose([*weak, default(fold_y)], folds, fold_y, seed=0)
    assert choice.default_chosen and choice.best.name == "default_logreg"
    assert choice.metrics()["default_chosen"] == 1
    assert "it is published, calibrated" in choice.notes()[-1]


def test_a_candidate_the_run_may_not_choose_is_skipped(folds, fold_y):
    noisy = candidate("noisy_hl30d", [1.6, 1.6, 1.6], fold_y, 20, loss=0.1)
    noisy.not_chosen_because = "not beyond noise better than its unweighted recipe"
    plain = candidate("plain", [1.6, 1.6, 1.6], fold_y, 21, loss=0.2)
    assert choose([noisy, plain, default(fold_y)], folds, fold_y, seed=0).best.name == "plain"


def test_every_candidates_auc_per_fold_is_reported(folds, fold_y):
    steady = candidate("steady", [1.6, 1.0, 2.0], fold_y, 20, loss=0.2)
    base = default(fold_y)
    choice = choose([steady, base], folds, fold_y, seed=0)
    metrics = {**choice.metrics(), **fold_metrics([steady, base])}
    for k in range(1, N_FOLDS + 1):
        assert metrics[f"valid_auc_fold{k}_steady"] == steady.fold_auc[k - 1]
        assert metrics[f"chosen_fold{k}_auc"] == steady.fold_auc[k - 1]
        assert metrics[f"baseline_fold{k}_auc"] == base.fold_auc[k - 1]
        assert metrics[f"selection_fold{k}_rows"] == PER_FOLD
    assert steady.fold_auc[2] > steady.fold_auc[1]  # the folds differ, and each is kept
    assert steady.row()["fold_3_auc"] == steady.fold_auc[2]


def test_the_blend_of_the_best_linear_and_tree_candidates_is_measured(fold_y):
    linear = candidate("logreg_C1", [1.0] * 3, fold_y, 7, family="logreg")
    tree = candidate("hgb_0", [1.0] * 3, fold_y, 8, family="hgb")
    blend = blend_check([tree, linear], fold_y, seed=0)
    assert blend["blend_of"] == "logreg_C1+hgb_0"
    # two equally good scores with independent noise: their mean ranks better than either
    assert blend["blend_valid_auc"] > max(linear.valid_auc, tree.valid_auc)
    assert blend_check([tree], fold_y, seed=0) == {}
