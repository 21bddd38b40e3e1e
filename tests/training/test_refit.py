"""The published model learns from the newest history: fitted on every lead, calibrated on
out-of-fold scores of the most recent window (time-ordered cross-fitting), prior-shifted to the
newest matured cohort when it converts beyond noise differently; never a probability of 0 or 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, logit

from features.build import CATEGORICAL, NUMERIC
from scoring.metrics import newest_month
from scoring.sklearn_parts import calibrated_with, fit_calibrator, shifted_calibrator
from training.calibrate import EPS
from training.config import TrainConfig
from training.fit import hgb_pipeline, logreg_pipeline
from training.prior_shift import prior_shift, shift_for_rate
from training.refit import blocks, fit_recent, time_order


@pytest.fixture(scope="module")
def history(demo_xy):
    x, y, labelled = demo_xy
    return x, y, labelled["scored_at"]


def recipe(cfg: TrainConfig):
    return logreg_pipeline(list(NUMERIC), list(CATEGORICAL), 0.1, cfg)


def test_each_calibration_block_is_scored_by_a_model_fitted_only_on_older_leads(history):
    x, y, scored_at = history
    cfg = TrainConfig(calibration_window=0.3, calibration_folds=3)
    ids = time_order(x.index, scored_at)
    window, pairs = blocks(ids, y, True, cfg)
    assert len(pairs) == 3
    assert len(window) == pytest.approx(0.3 * len(ids), abs=1)
    assert list(window) == list(ids[-len(window):])  # the newest leads
    held_all = pd.Index([]).append([held for _, held in pairs])
    assert sorted(held_all) == sorted(window)  # every window lead scored exactly once
    for fit_ids, held in pairs:
        assert scored_at.loc[fit_ids].max() <= scored_at.loc[held].min()
        assert not set(fit_ids) & set(held)


def test_published_calibrator_is_fitted_on_out_of_fold_scores_not_the_final_models(history):
    x, y, scored_at = history
    cfg = TrainConfig(calibration_methods=("sigmoid",), prior_shift_z=np.inf)
    fitted = fit_recent(recipe(cfg), x, y, scored_at, True, cfg)
    final = fitted.model.calibrated_classifiers_[0].estimator.estimator
    window = fitted.rows.calibration
    in_sample = fit_calibrator("sigmoid", final.decision_function(x.loc[window]),
                               y.loc[window].to_numpy(), EPS)
    used = fitted.model.calibrated_classifiers_[0].calibrators[0]
    # the final model saw the window: its own scores there are sharper than out-of-fold ones,
    # and a calibrator fitted on them would differ
    assert abs(used.a_ - in_sample.a_) > 1e-3
    assert len(fitted.rows.fit) == len(x)  # the published model is fitted on every lead
    p = fitted.model.predict_proba(x.loc[window])[:, 1]
    assert np.allclose(p, used.predict(final.decision_function(x.loc[window])))


def test_no_probability_is_exactly_zero_or_one_even_with_isotonic_on_a_small_window(history):
    x, y, scored_at = history
    cfg = TrainConfig(calibration_methods=("isotonic",), isotonic_min_leads=0,
                      isotonic_min_converted=0, calibration_window=0.1, prior_shift_z=np.inf)
    fitted = fit_recent(hgb_pipeline(list(NUMERIC), list(CATEGORICAL), dict(cfg.hgb_params[0]),
                                     cfg), x, y, scored_at, True, cfg)
    assert fitted.method == "isotonic"
    p = fitted.model.predict_proba(x)[:, 1]
    assert p.min() > 0 and p.max() < 1


def test_without_time_the_whole_history_is_cross_fitted_in_stratified_folds(history):
    x, y, _ = history
    cfg = TrainConfig(calibration_methods=("sigmoid",))
    fitted = fit_recent(recipe(cfg), x, y, None, False, cfg)
    assert len(fitted.rows.calibration) == len(x)
    assert fitted.shift is None
    assert fitted.rows.describe("published", None)["published_calibration_span"] == "random"


@pytest.mark.parametrize("rate", [0.05, 0.2, 0.5])
def test_shift_for_rate_meets_the_target_mean(rate):
    p = np.random.default_rng(0).beta(2, 10, size=2000)
    delta = shift_for_rate(p, rate, EPS)
    assert expit(logit(p) + delta).mean() == pytest.approx(rate, abs=1e-6)


def test_prior_shift_is_applied_only_beyond_noise():
    rng = np.random.default_rng(1)
    p = rng.beta(2, 12, size=1000)
    honest = (rng.random(1000) < p).astype(int)
    risen = (rng.random(1000) < np.clip(p * 2, 0, 1)).astype(int)
    assert not prior_shift("2026-01", p, honest, 3.0, EPS).applied
    shifted = prior_shift("2026-01", p, risen, 3.0, EPS)
    assert shifted.applied and shifted.delta > 0 and shifted.z > 3
    assert "prior shift" in shifted.describe() and "2026-01" in shifted.describe()


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_shifted_calibrator_moves_every_log_odds_by_delta_and_keeps_the_order(method):
    rng = np.random.default_rng(2)
    raw = rng.normal(size=3000)
    y = (rng.random(3000) < expit(raw - 1.5)).astype(int)
    calibrator = fit_calibrator(method, raw, y, EPS)
    moved = shifted_calibrator(calibrator, 0.7, EPS)
    # isotonic interpolates linearly between its steps: exact at the steps themselves
    grid = calibrator.X_thresholds_ if method == "isotonic" else np.linspace(-3, 3, 50)
    before, after = calibrator.predict(grid), moved.predict(grid)
    expected = np.clip(expit(logit(np.clip(before, EPS, 1 - EPS)) + 0.7), EPS, 1 - EPS)
    assert np.allclose(after, expected, atol=1e-9)
    assert np.all(np.diff(after) >= -1e-12)


def test_a_risen_newest_cohort_moves_the_published_model_to_its_rate(history):
    """History whose newest month converts at twice the rate the older leads predict: the
    recent-window calibration plus the prior shift bring the cohort's mean prediction to its
    observed rate."""
    x, y, scored_at = history
    found = newest_month(scored_at.loc[y.index], 100)
    assert found is not None
    newest, rows = found
    rng = np.random.default_rng(3)
    y_risen = y.copy()
    cohort = pd.Series(rows, index=y.index)
    flips = cohort & (y == 0) & (rng.random(len(y)) < 0.15)
    y_risen[flips] = 1
    cfg = TrainConfig(calibration_methods=("sigmoid",), prior_shift_min_leads=100)
    fitted = fit_recent(recipe(cfg), x, y_risen, scored_at, True, cfg)
    assert fitted.shift is not None and fitted.shift.month == newest
    assert fitted.shift.applied and fitted.shift.delta > 0
    mean_p = fitted.model.predict_proba(x.loc[cohort[cohort].index])[:, 1].mean()
    assert mean_p == pytest.approx(y_risen[cohort].mean(), abs=0.03)


def test_calibrated_with_holds_the_given_calibrator(history):
    x, y, _ = history
    cfg = TrainConfig()
    pipe = recipe(cfg).fit(x, y)
    calibrator = fit_calibrator("sigmoid", pipe.decision_function(x), y.to_numpy(), EPS)
    model = calibrated_with(pipe, calibrator, "sigmoid", x.head(200), y.head(200).to_numpy())
    assert np.allclose(model.predict_proba(x)[:, 1],
                       calibrator.predict(pipe.decision_function(x)))
