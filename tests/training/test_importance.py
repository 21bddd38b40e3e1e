"""Permutation importance through the compiled model: the same numbers as scikit-learn's
``permutation_importance`` (same shuffles, exact tree re-walks), hence the same ranking."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator
from sklearn.inspection import permutation_importance

from features.build import CATEGORICAL, NUMERIC
from training.config import TrainConfig
from training.fit import hgb_pipeline, logreg_pipeline
from training.importance import compiled_permutation_scores, global_importances

HGB = {"learning_rate": 0.1, "max_leaf_nodes": 8, "max_iter": 60, "min_samples_leaf": 40}


def calibrated(pipeline, x, y):
    half = len(x) // 2
    pipeline.fit(x.iloc[:half], y.iloc[:half])
    frozen = CalibratedClassifierCV(FrozenEstimator(pipeline), method="sigmoid")
    return frozen.fit(x.iloc[half:], y.iloc[half:])


@pytest.mark.parametrize("kind", ["logreg", "hgb"])
def test_compiled_permutation_scores_equal_scikit_learns(demo_xy, kind):
    x, y, _ = demo_xy
    cfg = TrainConfig()
    pipeline = (logreg_pipeline(list(NUMERIC), list(CATEGORICAL), 0.1, cfg) if kind == "logreg"
                else hgb_pipeline(list(NUMERIC), list(CATEGORICAL), HGB, cfg))
    model = calibrated(pipeline, x, y)
    xs, ys = x.iloc[-600:], y.iloc[-600:].to_numpy()
    ours = compiled_permutation_scores(model, xs, ys, seed=3, repeats=2)
    theirs = permutation_importance(model, xs, ys, scoring="neg_log_loss", n_repeats=2,
                                    random_state=3).importances
    assert ours is not None and ours.shape == theirs.shape
    assert np.abs(theirs).max() > 1e-3  # some features matter
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_a_model_that_cannot_be_compiled_falls_back_to_scikit_learn(demo_xy):
    x, y, _ = demo_xy
    pipeline = logreg_pipeline(list(NUMERIC), list(CATEGORICAL), 0.1, TrainConfig())
    pipeline.fit(x, y)  # not calibrated: scoring.compiled does not take it apart
    assert compiled_permutation_scores(pipeline, x.iloc[:200], y.iloc[:200].to_numpy(), 0,
                                       1) is None
    table = global_importances(pipeline, x.iloc[:400], y.iloc[:400].to_numpy(), 0, repeats=1)
    assert list(table.columns) == ["name", "label", "family", "importance", "std", "direction"]
    assert len(table) == x.shape[1]
