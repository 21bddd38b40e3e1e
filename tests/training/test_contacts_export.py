"""The third generated export (``demodata.contacts``: other column names, a base rate rising
four-fold, the e-mail clicks' relation reversing half-way, a snapshot named in the middle and one
with no word of state), trained forward in time as a user would: every snapshot flagged, no
more than one honest column flagged, and the published procedure not below a default
LogisticRegression on the newest leads beyond noise."""

from __future__ import annotations

import pytest

from demodata.contacts import (
    HONEST_LOOKALIKES,
    ID_COLUMN,
    PLANTED_LEAKS,
    TARGET,
    TIME_COLUMN,
    UNNAMED_SNAPSHOTS,
    write_contacts_demo,
)
from training.config import TrainConfig
from training.explore import candidates_table
from training.train import FlatData, train

REASON = {"snapshot": "snapshot", "dominates": "dominates", "name": "name"}
CFG = TrainConfig(logreg_c=(0.5,), hgb_params=TrainConfig().hgb_params[2:])


@pytest.fixture(scope="module")
def contacts_run(tmp_path_factory, isolated_mlflow):
    folder = tmp_path_factory.mktemp("contacts")
    write_contacts_demo(folder, n_leads=10_000, seed=3)
    return train(FlatData(folder / "export.csv", TARGET, id_column=ID_COLUMN,
                          time_column=TIME_COLUMN), CFG, workdir=isolated_mlflow,
                 models_dir=isolated_mlflow / "models")


def test_every_snapshot_and_every_other_leak_is_flagged_and_at_most_one_honest_column(
        contacts_run):
    reasons: dict[str, set[str]] = {}
    for flag in contacts_run.flags:
        reasons.setdefault(flag.column, set()).add(flag.reason)
    for column, kind in PLANTED_LEAKS.items():
        assert REASON[kind] in reasons.get(column, set()), (column, reasons.get(column))
    for column in UNNAMED_SNAPSHOTS:  # found by its values alone
        flag = next(f for f in contacts_run.flags if f.column == column)
        assert "values that follow a conversion" in flag.evidence
        assert f"--keep-column '{column}'" in flag.advice
    false_flags = set(reasons) - set(PLANTED_LEAKS)
    assert len(false_flags) <= 1, false_flags
    assert not set(HONEST_LOOKALIKES) & set(contacts_run.metrics["dropped_columns"])


def test_forward_in_time_the_model_is_not_below_a_default_logreg_beyond_noise(contacts_run):
    m = contacts_run.metrics
    assert m["split"] == "out_of_time"
    assert m["test_auc_vs_baseline_high"] >= 0, m  # paired bootstrap on the test leads
    assert m["test_auc_vs_baseline_low"] <= m["test_auc"] - m["baseline_auc"] <= m[
        "test_auc_vs_baseline_high"]
    assert m["oracle_auc"] - m["test_auc"] <= 0.06, m  # ~4,000 test leads, weak honest signal
    assert m["test_ece"] <= m["baseline_ece"], m  # the rise is in the calibration too
    assert m["calibration_worse_than_baseline"] == 0, m


def test_each_candidates_auc_per_fold_is_in_the_metrics_and_the_candidate_table(contacts_run):
    m = contacts_run.metrics
    table = candidates_table(contacts_run)
    folds = m["selection_folds"]
    assert folds == CFG.selection_folds
    assert "default_logreg" in set(table["name"])
    assert table["half_life_days"].notna().sum() >= 2  # weighted variants were tried
    for row in table.itertuples():
        for k in range(1, folds + 1):
            assert m[f"valid_auc_fold{k}_{row.name}"] == pytest.approx(
                getattr(row, f"fold_{k}_auc"))
    spans = [m[f"selection_fold{k}_span"] for k in range(1, folds + 1)]
    assert spans == sorted(spans)  # oldest first, and each before the test period
    assert spans[-1].split(" .. ")[1] <= m["evaluation_test_span"].split(" .. ")[0]
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["name"] == m["chosen_model"]
    assert table["not_chosen_because"].fillna("").loc[table["chosen"]].eq("").all()
