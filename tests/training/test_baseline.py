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

    from scoring.metrics import expected_calibration_error, newest_month_ece

    rng = np.random.default_rng(0)
    when = pd.Series(pd.to_datetime(["2026-03-15"] * 300 + ["2026-04-10"] * 250
                                    + ["2026-05-02"] * 40, utc=True))
    y = rng.integers(0, 2, len(when))
    p = rng.uniform(0, 1, len(when))
    month, n, ece = newest_month_ece(y, p, when, min_leads=100)
    assert (month, n) == ("2026-04", 250)  # May has too few leads to judge
    april = (when.dt.month == 4).to_numpy()
    assert ece == pytest.approx(expected_calibration_error(y[april], p[april]))
    assert newest_month_ece(y, p, pd.Series(pd.NaT, index=when.index)) is None
