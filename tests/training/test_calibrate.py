"""Calibration: a deliberately miscalibrated recipe comes out well calibrated from the recent-window
procedure; isotonic only with enough leads."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from features.build import CATEGORICAL, NUMERIC
from scoring.metrics import expected_calibration_error
from training.calibrate import allowed_methods
from training.config import TrainConfig
from training.fit import logreg_pipeline
from training.refit import fit_recent
from training.split import make_split


def test_calibration_lowers_ece_of_a_miscalibrated_model(demo_xy):
    x, y, labelled = demo_xy
    split = make_split(labelled, 0.3, 0.3, seed=0)
    pipe = logreg_pipeline(list(NUMERIC), list(CATEGORICAL), 0.1, TrainConfig())
    pipe.set_params(model=LogisticRegression(C=0.1, class_weight="balanced", max_iter=2000))
    history = split.train.append(split.valid)
    pipe.fit(x.loc[history], y.loc[history])  # "balanced" inflates every probability
    x_test, y_test = x.loc[split.test], y.loc[split.test].to_numpy()
    before = expected_calibration_error(y_test, pipe.predict_proba(x_test)[:, 1])
    result = fit_recent(pipe, x.loc[history], y.loc[history], labelled["scored_at"], True,
                        TrainConfig(isotonic_min_leads=0, isotonic_min_converted=0))
    after = expected_calibration_error(y_test, result.model.predict_proba(x_test)[:, 1])
    assert before > 0.15, before
    assert after < before / 3, (before, after)
    assert result.method in {"sigmoid", "isotonic"}
    assert set(result.cv_log_loss) == {"sigmoid", "isotonic"}
    assert np.isfinite(list(result.cv_log_loss.values())).all()


@pytest.mark.parametrize(("n", "converted", "isotonic_kept"), [
    (5000, 600, True), (999, 500, False), (5000, 99, False), (1000, 100, True)])
def test_isotonic_needs_enough_validation_leads_and_conversions(n, converted, isotonic_kept):
    y = np.zeros(n, dtype=int)
    y[:converted] = 1
    methods, note = allowed_methods(("sigmoid", "isotonic"), y, 1000, 100)
    assert ("isotonic" in methods) is isotonic_kept
    assert "sigmoid" in methods
    assert (note is None) is isotonic_kept
    if note:
        assert f"{n:,} leads" in note and f"{converted:,} converted" in note


def test_a_small_validation_set_is_calibrated_with_sigmoid_only(trained_run):
    """The session's run on the small demo (``trained``): too few validation leads for
    isotonic calibration."""
    assert trained_run["metrics"]["n_valid"] < 1000
    assert trained_run["metrics"]["calibration"] == "sigmoid"
    assert any("isotonic calibration left out" in line for line in trained_run["progress"])
