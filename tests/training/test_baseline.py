"""Every run reports what a default notebook model gets on the same leads, and how sure the test
AUC is (bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from scoring.metrics import bootstrap_auc_interval
from training.baseline import baseline_metrics, baseline_proba, default_logreg


def test_the_bootstrap_interval_holds_the_auc_and_narrows_with_more_leads():
    rng = np.random.default_rng(3)
    widths = []
    for n in (400, 4000):
        y = rng.integers(0, 2, n)
        score = y + rng.normal(0, 1.5, n)
        low, high = bootstrap_auc_interval(y, score, resamples=400, seed=1)
        assert low < roc_auc_score(y, score) < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # about 1/sqrt(10) as wide


def test_the_bootstrap_interval_is_the_same_for_the_same_seed():
    y = np.array([0, 1] * 200)
    score = np.linspace(0, 1, 400)
    assert bootstrap_auc_interval(y, score, seed=5) == bootstrap_auc_interval(y, score, seed=5)


def test_the_baseline_is_a_plain_logistic_regression_on_the_same_columns(demo_xy):
    x, y, labelled = demo_xy
    numeric = [c for c in x.columns if x[c].dtype.kind == "f"]
    categorical = [c for c in x.columns if c not in numeric]
    model = default_logreg(numeric, categorical)
    assert model[-1].get_params()["C"] == 1.0  # scikit-learn's default, nothing tuned
    half = len(x) // 2
    p = baseline_proba((x.iloc[:half], y.iloc[:half].to_numpy()), x.iloc[half:], numeric,
                       categorical)
    out = baseline_metrics(y.iloc[half:].to_numpy(), p, 10)
    assert set(out) == {"baseline_auc", "baseline_pr_auc", "baseline_log_loss",
                        "baseline_brier", "baseline_ece"}
    assert 0.6 < out["baseline_auc"] < 1.0  # it learns something on the demo
    assert out["baseline_ece"] == pytest.approx(out["baseline_ece"])  # a number, not NaN
    # a missing category is a category of its own, as a notebook's "missing" fill makes it
    blank = x.iloc[half:].copy()
    blank[categorical[0]] = pd.Series(np.nan, index=blank.index, dtype=x[categorical[0]].dtype)
    assert np.isfinite(baseline_proba((x.iloc[:half], y.iloc[:half].to_numpy()), blank, numeric,
                                      categorical)).all()


def test_newest_month_ece_is_measured_on_the_newest_month_with_enough_leads():
    from scoring.metrics import expected_calibration_error
    from training.config import TrainConfig
    from training.train import newest_month_calibration

    rng = np.random.default_rng(0)
    when = pd.Series(pd.to_datetime(["2026-03-15"] * 300 + ["2026-04-10"] * 250
                                    + ["2026-05-02"] * 40, utc=True))
    p = rng.uniform(0, 1, len(when))
    y = (rng.random(len(when)) < p).astype(int)  # p is calibrated
    base = np.clip(p + 0.3, 0, 1)  # the default model, calibrated worse
    cfg = TrainConfig(newest_month_min_leads=100)
    lines: list[str] = []
    out = newest_month_calibration(y, p, base, when, cfg, lines.append)
    assert (out["newest_month"], out["n_newest_month"]) == ("2026-04", 250)  # May: too few
    april = (when.dt.month == 4).to_numpy()
    assert out["test_ece_newest_month"] == pytest.approx(
        expected_calibration_error(y[april], p[april]))
    assert out["baseline_ece_newest_month"] == pytest.approx(
        expected_calibration_error(y[april], base[april]))
    assert out["calibration_worse_than_baseline"] == 0 and not any("warning" in x for x in lines)
    worse = newest_month_calibration(y, base, p, when, cfg, lines.append)  # roles swapped
    assert worse["calibration_worse_than_baseline"] == 1
    assert worse["ece_newest_month_vs_baseline_low"] > 0
    assert lines[-1].startswith("warning: on the newest test month (2026-04)")
    assert newest_month_calibration(y, p, base, pd.Series(pd.NaT, index=when.index), cfg,
                                    lines.append) == {}
