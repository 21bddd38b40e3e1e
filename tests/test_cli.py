"""The CLI verbs, end to end in a temporary folder, as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from cli.main import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_verb_without_importing_the_heavy_stack():
    code = ("import sys; from cli.main import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in ('pandas', 'mlflow', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    help_text = subprocess.run([sys.executable, "-m", "cli.main", "--help"], capture_output=True,
                               text=True, check=True).stdout
    for verb in ("demo", "demo-data", "validate", "features", "train", "score"):
        assert verb in help_text


def test_data_verbs_end_to_end(tmp_path, capsys):
    data = tmp_path / "data"
    code, out, _ = run(capsys, "demo-data", "--out", str(data), "--leads", "400", "--seed", "3")
    assert code == 0 and "wrote 400 leads" in out
    assert {p.name for p in data.iterdir()} >= {"leads.csv", "activities.csv", "outcomes.csv",
                                                 "truth.csv", "README.md"}
    code, out, _ = run(capsys, "validate", "--data", str(data),
                       "--rejects", str(tmp_path / "rejects.csv"))
    assert code == 0 and "leads.csv: 400 rows loaded = 400 used + 0 rejected" in out
    code, out, _ = run(capsys, "features", "--data", str(data), "--out",
                       str(tmp_path / "features.csv"))
    assert code == 0
    table = pd.read_csv(tmp_path / "features.csv")
    assert len(table) == 400
    assert {"n_demo_request_30d", "bant_budget", "bant_budget_reason", "points_score",
            "points_tier"} <= set(table.columns)


def test_validate_names_the_bad_file_and_column(tmp_path, capsys):
    data = tmp_path / "data"
    run(capsys, "demo-data", "--out", str(data), "--leads", "200")
    leads = pd.read_csv(data / "leads.csv").drop(columns=["mql_at"])
    leads.to_csv(data / "leads.csv", index=False)
    code, _, err = run(capsys, "validate", "--data", str(data))
    assert code == 2
    assert "leads.csv: missing required column(s) 'mql_at'" in err


@pytest.mark.slow
def test_train_then_score_end_to_end(demo_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    metrics_path = tmp_path / "metrics.json"
    code, out, _ = run(capsys, "train", "--data", str(demo_dir), "--workdir", str(tmp_path),
                       "--models-dir", str(tmp_path / "models"), "--metrics-out",
                       str(metrics_path), "--promote-if-better")
    assert code == 0, out
    assert "[7/7]" in out and "ROC AUC" in out
    metrics = json.loads(metrics_path.read_text())
    assert metrics["alias"] == "champion" and metrics["model_version"] == "1"
    scores_path = tmp_path / "scores.csv"
    code, out, _ = run(capsys, "score", "--data", str(demo_dir), "--out", str(scores_path),
                       "--models-dir", str(tmp_path / "models"), "--at", "mql")
    assert code == 0, out
    scores = pd.read_csv(scores_path)
    assert scores["probability"].between(0, 1).all()
    assert (scores["score"] == np.clip(np.rint(scores["probability"] * 100), 1, 100)).all()
    assert set(scores["tier"]) <= {"hot", "warm", "cold"}
    assert set(scores["grade"]) <= set("ABCD") and scores["fit"].between(1, 100).all()
    reasons = json.loads(scores["reasons_up"].iloc[0])
    assert all({"feature", "label", "value", "text", "contribution"} <= set(r) for r in reasons)
    assert (scores["model_version"] == 1).all()
    # reason_1..3: the strongest reasons in words, "+" pushing up, "-" down
    strongest = scores["reason_1"].dropna()
    assert len(strongest) > 0.9 * len(scores)
    assert strongest.str.match(r"^[+-] [A-Z0-9]").all() and not strongest.str.contains("_").any()
    # At the export date, by default only the leads still open are scored
    from features.contract import load_crm
    from features.labels import open_leads

    crm = load_crm(demo_dir)
    expected = open_leads(crm.leads, crm.outcomes, pd.Series(crm.as_of, index=crm.leads[
        "lead_id"]), 90)
    code, out, _ = run(capsys, "score", "--data", str(demo_dir), "--out", str(scores_path),
                       "--models-dir", str(tmp_path / "models"))
    assert code == 0 and f"{int(expected.sum()):,} open leads scored" in out
    open_ids = pd.read_csv(scores_path, dtype={"lead_id": "str"})["lead_id"]
    assert set(open_ids) == set(expected.index[expected.to_numpy()])
    converted = crm.outcomes.loc[crm.outcomes["sql_at"].notna(), "lead_id"]
    assert not set(open_ids) & set(converted)
    code, out, _ = run(capsys, "score", "--data", str(demo_dir), "--out", str(scores_path),
                       "--models-dir", str(tmp_path / "models"), "--all-leads")
    assert code == 0 and len(pd.read_csv(scores_path)) == len(crm.leads)


def test_train_refuses_with_a_clear_message(demo_dir, tmp_path, capsys):
    code, _, err = run(capsys, "train", "--data", str(demo_dir), "--workdir", str(tmp_path),
                       "--min-positives", "999999")
    assert code == 2
    assert "refusing to train: too little labelled history" in err


def test_score_without_a_model_says_to_train_first(demo_dir, tmp_path, capsys):
    code, _, err = run(capsys, "score", "--data", str(demo_dir), "--out",
                       str(tmp_path / "s.csv"), "--models-dir", str(tmp_path / "none"))
    assert code == 2
    assert "run `leadconv train --data DIR` first" in err.lower() or "leadconv train" in err


@pytest.mark.slow
def test_flat_export_from_csv_to_scores_with_an_edited_mapping(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    data = tmp_path / "flat"
    code, out, _ = run(capsys, "demo-data", "--flat", "--out", str(data), "--leads", "3000",
                       "--seed", "5")
    assert code == 0 and "planted leaky columns" in out
    assert {p.name for p in data.iterdir()} == {"export.csv", "truth.csv", "README.md"}
    mapping = tmp_path / "mapping.yaml"
    common = ["--workdir", str(tmp_path), "--models-dir", str(tmp_path / "models")]
    code, out, _ = run(capsys, "train", "--data", str(data / "export.csv"), "--target",
                       "Converted", "--mapping-out", str(mapping), "--dry-run", *common)
    assert code == 0, out
    assert "Landing Page ID" in out and "categorical" in out  # the role table
    assert "leakage check: 4 column(s) flagged" in out and "[separates]" in out
    assert "dry run" in out and not (tmp_path / "models").exists()
    # The user edits the mapping: the landing page id is not to be used.
    mapping.write_text(mapping.read_text().replace("Landing Page ID: categorical",
                                                   "Landing Page ID: ignore"))
    metrics_path = tmp_path / "metrics.json"
    code, out, _ = run(capsys, "train", "--data", str(data / "export.csv"), "--mapping",
                       str(mapping), "--keep-column", "Tags", "--metrics-out",
                       str(metrics_path), "--promote-if-better", *common)
    assert code == 0, out
    assert "Tags: KEPT (--keep-column)" in out and "gap to oracle AUC" in out
    metrics = json.loads(metrics_path.read_text())
    assert metrics["kept_columns"] == ["Tags"] and metrics["model_version"] == "1"
    card = json.loads((tmp_path / "models" / "champion" / "model.json").read_text())
    assert "Landing Page ID" not in card["feature_names"] and "Tags" in card["feature_names"]
    # Score this month's leads: no label column, ids kept.
    month = pd.read_csv(data / "export.csv").drop(columns=["Converted"]).tail(100)
    month.to_csv(tmp_path / "month.csv", index=False)
    code, out, _ = run(capsys, "score", "--data", str(tmp_path / "month.csv"), "--out",
                       str(tmp_path / "scores.csv"), "--models-dir", str(tmp_path / "models"))
    assert code == 0, out
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert scores["Lead Number"].tolist() == month["Lead Number"].tolist()
    assert scores["probability"].between(0, 1).all() and "Converted" not in scores.columns


def test_ambiguous_flat_label_asks_for_positive(tmp_path, capsys):
    path = tmp_path / "export.csv"
    pd.DataFrame({"id": range(6), "x": range(6),
                  "Outcome": ["Won", "Lost", "Open"] * 2}).to_csv(path, index=False)
    code, _, err = run(capsys, "train", "--data", str(path), "--target", "Outcome",
                       "--workdir", str(tmp_path))
    assert code == 2 and "--positive" in err and "'Outcome' is ambiguous" in err


def test_the_training_summary_shows_each_fold_beside_the_default_and_a_calibration_warning():
    from cli.model import summary_table

    metrics = {"test_auc": 0.71, "baseline_auc": 0.70, "test_auc_vs_baseline_low": -0.004,
               "test_auc_vs_baseline_high": 0.025, "selection_folds": 2,
               "selection_fold1_span": "2025-01-01 .. 2025-03-31", "chosen_fold1_auc": 0.72,
               "baseline_fold1_auc": 0.70, "selection_fold2_span": "2025-04-01 .. 2025-06-30",
               "chosen_fold2_auc": 0.69, "baseline_fold2_auc": 0.68,
               "calibration_worse_than_baseline": 1, "newest_month": "2025-09",
               "test_ece_newest_month": 0.08, "baseline_ece_newest_month": 0.03}
    text = summary_table(metrics)
    assert "(paired interval -0.004 to +0.025)" in text
    assert ("chosen on fold 1 [2025-01-01 .. 2025-03-31] AUC 0.720 vs default 0.700; fold 2 "
            "[2025-04-01 .. 2025-06-30] AUC 0.690 vs default 0.680") in text
    assert "warning: on the newest test month (2025-09)" in text and "0.080 vs 0.030" in text
    assert "warning" not in summary_table({**metrics, "calibration_worse_than_baseline": 0})


@pytest.fixture
def default_window():
    from features.dates import DEFAULT_WINDOW, configure_window

    yield
    configure_window(DEFAULT_WINDOW)


def test_the_date_window_is_read_from_the_environment_for_every_verb(demo_dir, tmp_path, capsys,
                                                                     monkeypatch,
                                                                     default_window):
    leads = pd.read_csv(demo_dir / "leads.csv")
    cut = pd.to_datetime(leads["mql_at"], utc=True, format="ISO8601").quantile(0.1)
    monkeypatch.setenv("LEADCONV_DATE_MIN", cut.isoformat())
    rejects = tmp_path / "rejects.csv"
    assert main(["validate", "--data", str(demo_dir), "--rejects", str(rejects)]) == 0
    table = pd.read_csv(rejects)
    early = table[(table["file"] == "leads.csv") & (table["column"] == "mql_at")]
    assert len(early) == pytest.approx(0.1 * len(leads), rel=0.1)
    assert early["reason"].str.contains("is outside the accepted dates, "
                                        + cut.strftime("%Y-%m-%dT%H:%M:%SZ")).all()
    monkeypatch.setenv("LEADCONV_DATE_MIN", "2031-01-01")
    monkeypatch.setenv("LEADCONV_DATE_MAX", "2030-01-01")
    assert main(["validate", "--data", str(demo_dir)]) == 2
    assert "LEADCONV_DATE_MIN, LEADCONV_DATE_MAX" in capsys.readouterr().err
