"""The guard against tuning to one generator: a second, differently styled export (another
vendor's layout, a conversion rate that drifts from about 6% to 25%, leaks of every kind with
single-column AUCs of 0.65-0.89, honest columns that only look suspicious), written by its own
generator (``demodata.vendor``), trained on forward in time."""

from __future__ import annotations

import pandas as pd
import pytest

from demodata.vendor import HONEST_LOOKALIKES, PLANTED_LEAKS, TARGET, write_vendor_demo
from training.config import TrainConfig
from training.train import FlatData, train

# the generator's names of the kinds -> the reasons the leakage check gives
REASON = {"snapshot": "snapshot", "dominates": "dominates", "assigned_by_sales": "assigned",
          "name": "name"}
CFG = TrainConfig(logreg_c=(0.05,), hgb_params=TrainConfig().hgb_params[2:])


@pytest.fixture(scope="module")
def vendor_run(tmp_path_factory, isolated_mlflow):
    folder = tmp_path_factory.mktemp("vendor")
    write_vendor_demo(folder, n_leads=10_000, seed=3)
    result = train(FlatData(folder / "export.csv", TARGET), CFG, workdir=isolated_mlflow,
                   models_dir=isolated_mlflow / "models")
    return result


def test_every_planted_leak_is_flagged_with_its_reason_and_no_honest_column(vendor_run):
    reasons: dict[str, set[str]] = {}
    for flag in vendor_run.flags:
        reasons.setdefault(flag.column, set()).add(flag.reason)
    for column, kind in PLANTED_LEAKS.items():
        assert REASON[kind] in reasons.get(column, set()), (column, reasons.get(column))
    assert set(reasons) == set(PLANTED_LEAKS), set(reasons) - set(PLANTED_LEAKS)
    assert not set(HONEST_LOOKALIKES) & set(vendor_run.metrics["dropped_columns"])
    assert set(HONEST_LOOKALIKES) <= set(vendor_run.x.columns)


def test_forward_in_time_the_model_is_near_its_oracle_and_not_below_a_default_logreg(
        vendor_run):
    m = vendor_run.metrics
    assert m["split"] == "out_of_time"
    # ~2,000 test leads whose rate has drifted well above the history's: the same bars as the
    # flat demo's at this size
    assert m["oracle_auc"] - m["test_auc"] <= 0.035, m
    assert m["baseline_auc"] <= m["test_auc_ci_high"], m
    assert m["test_ece"] <= 0.04, m
    assert m["test_ece"] <= m["baseline_ece"], m


def test_the_published_model_is_fitted_on_every_lead_and_calibrated_on_the_newest(vendor_run):
    m, split = vendor_run.metrics, vendor_run.split
    assert m["evaluation_fit_rows"] == len(split.train) + len(split.valid)
    assert m["published_fit_rows"] == m["n_labelled"] == len(vendor_run.y)
    scored_at = vendor_run.prepared.scored_at
    newest = scored_at.max().date()
    assert m["published_fit_span"].endswith(str(newest))
    assert m["published_calibration_span"].endswith(str(newest))
    start = pd.Timestamp(m["published_calibration_span"].split(" .. ")[0], tz="UTC")
    share = (scored_at >= start).mean()
    assert share == pytest.approx(CFG.calibration_window, abs=0.02)
    assert m["evaluation_test_span"].split(" .. ")[0] >= m["evaluation_fit_span"].split(" .. ")[1]


def test_the_model_card_says_how_the_published_model_was_made(vendor_run):
    from training.model_card import procedure_text

    m = vendor_run.metrics
    text = procedure_text(m)
    assert f"fitted on {m['published_fit_rows']:,} leads ({m['published_fit_span']})" in text
    assert f"newest {m['published_calibration_rows']:,}" in text
    assert f"{m['evaluation_fit_rows']:,} leads before the test period" in text
    assert f"ROC AUC {m['baseline_auc']:.3f}" in text
    assert ("Prior shift" in text) == bool(m.get("published_prior_shift_applied"))
