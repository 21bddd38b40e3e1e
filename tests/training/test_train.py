"""End-to-end training on seeded demo data: quality against the oracle, MLflow, promotion,
refusal."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd
import pytest

from demodata.files import write_demo
from scoring.bundle import MODEL_FILE, StoreError, load_bundle, read_card
from tests.conftest import EARLIER_EXPORT
from training.config import TrainConfig
from training.train import EventData, TooLittleData, train

# A crippled model: regularised to near-constant predictions, logistic only.
WORSE = TrainConfig(logreg_c=(1e-6,), hgb_params=())
QUALITY_DEMO = {"n_leads": 8000, "seed": 11}


@pytest.fixture(scope="module")
def quality_run(tmp_path_factory, isolated_mlflow):
    data = tmp_path_factory.mktemp("quality_demo")
    write_demo(data, **QUALITY_DEMO)
    result = train(data, workdir=isolated_mlflow, models_dir=isolated_mlflow / "models",
                   promote="if_better")
    return data, result


@pytest.mark.slow
def test_model_is_close_to_the_oracle_and_beats_the_points_score(quality_run):
    _, result = quality_run
    m = result.metrics
    # Bars of the issue (default demo, ~3,100 test leads): gap <= 0.02, ECE <= 0.03, gain >= 0.08.
    # Here ~1,250 test leads: AUC and ECE are ~1.6x noisier, so each bar is loosened by about
    # two standard errors.
    assert m["oracle_auc"] - m["test_auc"] <= 0.04, m
    assert m["test_ece"] <= 0.045, m
    assert m["test_auc"] - m["points_auc"] >= 0.05, m
    assert m["split"] == "out_of_time"


@pytest.mark.slow
def test_metrics_hold_every_key_the_cli_promises(quality_run):
    _, result = quality_run
    required = {"test_auc", "test_pr_auc", "test_log_loss", "test_brier", "test_ece",
                "test_top_decile_lift", "points_auc", "oracle_auc", "oracle_brier", "n_train",
                "n_valid", "n_test", "n_censored", "n_rejected", "chosen_model", "calibration",
                "model_version", "alias"}
    assert required <= set(result.metrics)
    assert result.metrics["n_censored"] > 0
    json.dumps(result.metrics, default=str)


@pytest.mark.slow
def test_registered_pyfunc_scores_raw_test_leads_as_the_model_does(quality_run, isolated_mlflow):
    """The registered model takes raw lead rows (leads-table columns, activities as JSON, the
    scoring moment) and reproduces the fitted pipeline's probabilities on the test leads."""
    import mlflow

    from features.contract import load_crm
    from scoring.pyfunc import event_rows

    data, result = quality_run
    mlflow.set_tracking_uri(result.metrics["tracking_uri"])
    test = result.prepared.split.test
    crm = load_crm(data)
    leads = crm.leads.set_index("lead_id", drop=False).loc[test].reset_index(drop=True)
    activities = crm.activities[crm.activities["lead_id"].isin(set(test))]
    rows = event_rows(leads, activities, result.prepared.scored_at.loc[test])
    loaded = mlflow.pyfunc.load_model("models:/lead-conversion@champion")
    out = loaded.predict(rows)
    assert list(out["lead_id"]) == list(test)
    x_test = result.prepared.x.loc[test]
    np.testing.assert_allclose(out["probability"].to_numpy(),
                               result.model.predict_proba(x_test)[:, 1], rtol=0, atol=1e-9)


@pytest.mark.slow
def test_mlflow_says_which_leads_the_evaluation_and_the_published_model_used(quality_run):
    import mlflow

    _, result = quality_run
    m = result.metrics
    run = mlflow.MlflowClient(m["tracking_uri"]).get_run(m["run_id"])
    assert run.data.metrics["published_fit_rows"] == m["n_labelled"]
    assert run.data.metrics["evaluation_fit_rows"] == m["n_train"] + m["n_valid"]
    for key in ("evaluation_fit_span", "evaluation_calibration_span", "evaluation_test_span",
                "published_fit_span", "published_calibration_span"):
        assert run.data.tags[key] == m[key] and " .. " in m[key]


@pytest.mark.slow
def test_champion_is_exported_to_the_model_store_with_a_checksum(quality_run, isolated_mlflow):
    _, result = quality_run
    folder = isolated_mlflow / "models" / "champion"
    model, card = load_bundle(folder)
    assert card.version == result.metrics["model_version"]
    assert {f["name"] for f in card.features} == set(result.prepared.x.columns)
    x = result.prepared.x.head(50)
    np.testing.assert_allclose(model.predict_proba(x), result.model.predict_proba(x))
    (folder / MODEL_FILE).write_bytes((folder / MODEL_FILE).read_bytes() + b"tampered")
    with pytest.raises(StoreError, match="checksum mismatch"):
        load_bundle(folder)


def test_card_records_its_scikit_learn_and_rows_the_fast_path_must_reproduce(quality_run,
                                                                             isolated_mlflow):
    import sklearn

    _, result = quality_run
    card = read_card(isolated_mlflow / "models" / "champion")  # the model file may be tampered
    assert card.sklearn_version == sklearn.__version__
    assert len(card.checks) == 5
    assert all(set(row) == set(result.prepared.x.columns) for row in card.checks)
    train_rows = result.prepared.x.loc[result.prepared.split.train]
    assert any(train_rows.isna().any(axis=1))  # the demo has missing values ...
    assert any(any(v is None for v in row.values()) for row in card.checks)  # ... and so do checks


def test_the_run_reports_a_default_logistic_regression_and_an_auc_interval(quality_run,
                                                                          isolated_mlflow):
    _, result = quality_run
    m = result.metrics
    assert 0.5 < m["baseline_auc"] < 1 and 0 <= m["baseline_ece"] < 1
    assert m["test_auc_ci_low"] < m["test_auc"] < m["test_auc_ci_high"]
    assert m["test_auc_ci_high"] - m["test_auc_ci_low"] < 0.1
    page = (isolated_mlflow / "models" / "champion" / "report.html").read_text()
    assert "default LogisticRegression" in page and "95% bootstrap interval" in page
    assert m["n_newest_month"] >= 300 and 0 <= m["test_ece_newest_month"] < 1
    test_months = result.prepared.scored_at.loc[result.prepared.split.test].dt.strftime("%Y-%m")
    assert m["newest_month"] == max(k for k, n in test_months.value_counts().items() if n >= 300)
    assert f"newest test month ({m['newest_month']}" in page


@pytest.mark.slow
def test_worse_model_stays_challenger_and_better_becomes_champion(demo_dir, tmp_path,
                                                                  monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    kw = {"workdir": tmp_path, "models_dir": tmp_path / "models", "promote": "if_better"}
    fast = TrainConfig(hgb_params=(), logreg_c=(0.5,))
    # a weak champion from an earlier export, forced into production
    first = train(EventData(demo_dir, as_of=EARLIER_EXPORT), WORSE, **{**kw, "promote": "always"})
    assert (first.metrics["alias"], first.metrics["model_version"]) == ("champion", "1")
    better = train(demo_dir, fast, **kw)
    assert better.metrics["alias"] == "champion"
    assert better.decision["new_test_log_loss"] < better.decision["champion_test_log_loss"]
    assert "vs champion v1" in better.decision["reason"]
    worse = train(demo_dir, WORSE, **kw)
    assert worse.metrics["alias"] == "challenger"
    assert "champion v2 kept" in worse.decision["reason"]
    _, card = load_bundle(tmp_path / "models" / "champion")
    assert card.version == "2"  # the store still holds the better model


@pytest.mark.slow
def test_two_runs_in_one_process_use_their_own_embedded_stores(demo_dir, tmp_path, monkeypatch,
                                                               trained, trained_run):
    """The session's run (``trained``, in this process) and one more in another workdir."""
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    fast = TrainConfig(hgb_params=(), logreg_c=(0.05,))
    assert trained_run["metrics"]["tracking_uri"].endswith(f"{trained.name}/mlflow.db")
    assert trained_run["metrics"]["model_version"] == "1"
    result = train(demo_dir, fast, workdir=tmp_path / "b", models_dir=tmp_path / "b" / "m")
    assert result.metrics["model_version"] == "1"  # a fresh registry, not the session's
    assert result.metrics["tracking_uri"].endswith("b/mlflow.db")
    assert "MLFLOW_TRACKING_URI" not in os.environ  # the user's environment is untouched


def test_refuses_to_train_on_too_little_data(demo_dir, tmp_path):
    cfg = TrainConfig(min_positives=100_000)
    with pytest.raises(TooLittleData, match=r"too little labelled history.*need at least 100000"):
        train(demo_dir, cfg, workdir=tmp_path, models_dir=tmp_path / "models")
    assert not (tmp_path / "mlflow.db").exists()  # refused before anything was logged


def test_censored_leads_stay_out_of_training(quality_run):
    _, result = quality_run
    labels = result.prepared.labels.frame
    used = result.prepared.x.index
    assert set(labels.loc[used, "status"]) == {"converted", "not_converted"}
    horizon_end = labels.loc[used, "scored_at"] + pd.Timedelta(days=90)
    assert (horizon_end <= result.prepared.labels.as_of).all()
    assert math.isclose(result.prepared.y.mean(), labels.loc[used, "label"].mean())
