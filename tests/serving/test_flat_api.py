"""A model trained on a flat export is served with a request schema made of that export's
columns."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.flat_read import read_flat
from scoring.flat import FlatScorer
from serving.app import create_app
from serving.config import Settings
from serving.report import page_identity
from tests.serving.helpers import HEADERS, KEY

ID = "Lead Number"
TREES = {"learning_rate": 0.1, "max_leaf_nodes": 8, "max_iter": 60}


@pytest.fixture(scope="module")
def flat_trained(tmp_path_factory):
    """A tree model trained on a small flat demo export; (workdir, export path)."""
    from demodata.flat import write_flat_demo
    from training.config import TrainConfig
    from training.train import FlatData, train

    folder = tmp_path_factory.mktemp("flat_serving")
    write_flat_demo(folder / "data", n_leads=3000, seed=5)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        train(FlatData(folder / "data" / "export.csv", "Converted", id_column=ID,
                       time_column="MQL Date"),
              TrainConfig(logreg_c=(), hgb_params=(TREES,)), promote="if_better", workdir=folder,
              models_dir=folder / "models")
    return folder, folder / "data" / "export.csv"


@pytest.fixture
def flat_client(flat_trained, tmp_path):
    folder, _ = flat_trained
    shutil.copytree(folder / "models", tmp_path / "models")
    settings = Settings(models_dir=tmp_path / "models", api_keys=(KEY,), reload_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


def rows_of(export, n: int, start: int = 0) -> list[dict]:
    """Rows of the export as a CRM would send them: the text of each cell, blanks as null."""
    frame = read_flat(export).frame.iloc[start:start + n]
    return [{k: (None if pd.isna(v) else str(v)) for k, v in r.items()}
            for r in frame.to_dict(orient="records")]


def test_served_probabilities_equal_leadconv_score_on_the_same_rows(flat_client, flat_trained):
    folder, export = flat_trained
    rows = rows_of(export, 40, start=100)
    r = flat_client.post("/v1/predict", headers=HEADERS, json={"leads": rows})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id_column"] == ID and len(body["predictions"]) == 40
    served = pd.DataFrame(body["predictions"]).set_index("lead_id")["probability"]
    batch = FlatScorer.from_bundle(folder / "models" / "champion").score(
        read_flat(export).frame.iloc[100:140])
    expected = batch.set_index(batch[ID].astype(str))["probability"]
    np.testing.assert_allclose(served.loc[expected.index].to_numpy(), expected.to_numpy(),
                               atol=1e-12)
    assert any(p["reasons_up"] for p in body["predictions"])
    assert any(p["reasons_down"] for p in body["predictions"])
    by_id = batch.set_index(batch[ID].astype(str))
    for p in body["predictions"]:  # leadconv score gives the same reasons as the service
        assert p["reasons_up"] == by_id.loc[p["lead_id"], "reasons_up"]
        assert p["reasons_down"] == by_id.loc[p["lead_id"], "reasons_down"]
        named = {r["feature"] for r in p["reasons_up"] + p["reasons_down"]}
        assert not named & {"Tags", "Lead Quality", "Last Notable Activity", "Deal Value"}


def test_json_numbers_and_booleans_score_like_the_export_text(flat_client, flat_trained):
    _, export = flat_trained
    row = rows_of(export, 1, start=7)[0]
    typed = dict(row)
    for column, value in row.items():
        if value is None:
            continue
        if column in ("TotalVisits", "Page Views Per Visit", "Company Size"):
            typed[column] = float(value)
        if column == "Demo Requested":
            typed[column] = value.strip().lower() in ("yes", "true", "1")
    a = flat_client.post("/v1/predict", headers=HEADERS, json={"leads": [row]}).json()
    b = flat_client.post("/v1/predict", headers=HEADERS, json={"leads": [typed]}).json()
    assert b["predictions"][0]["probability"] == pytest.approx(
        a["predictions"][0]["probability"], abs=1e-12)


def test_openapi_shows_the_exports_columns_with_their_roles(flat_client):
    spec = flat_client.get("/openapi.json").json()
    item = spec["components"]["schemas"]["FlatPredictRequest"]["properties"]["leads"]["items"]
    lead = item["properties"]
    assert item["title"] == "FlatLeadIn"
    assert {"TotalVisits", "Lead Source", "Demo Requested", ID, "Tags"} <= set(lead)
    assert "category" in lead["Lead Source"]["description"]
    assert "not used" in lead["Tags"]["description"]  # dropped for leakage: accepted, ignored
    assert ID in item["required"]


def test_flat_request_errors_name_the_lead_and_column(flat_client, flat_trained):
    _, export = flat_trained
    row = rows_of(export, 1)[0]
    missing_id = {k: v for k, v in row.items() if k != ID}
    whole = flat_client.post("/v1/predict?all_or_nothing=true", headers=HEADERS,
                             json={"leads": [row, missing_id]})
    assert whole.status_code == 422 and f"leads[1].{ID}" in whole.json()["message"]
    twice = flat_client.post("/v1/predict?all_or_nothing=true", headers=HEADERS,
                             json={"leads": [row, row]})
    assert twice.status_code == 422 and "duplicate" in twice.text
    # Lead by lead (the default): the valid lead is scored, each other one has its own error
    body = flat_client.post("/v1/predict", headers=HEADERS,
                            json={"leads": [row, missing_id, row]}).json()
    assert [p["lead_id"] for p in body["predictions"]] == [str(row[ID])]
    assert [(e["index"], e["errors"][0]["field"]) for e in body["errors"]] == [
        (1, f"leads[1].{ID}"), (2, f"leads[2].{ID}")]
    assert body["errors"][1]["lead_id"] == str(row[ID])


def test_a_column_the_export_never_had_is_ignored_and_listed(flat_client, flat_trained):
    _, export = flat_trained
    row = rows_of(export, 1)[0]
    plain = flat_client.post("/v1/predict", headers=HEADERS, json={"leads": [row]}).json()
    body = flat_client.post("/v1/predict", headers=HEADERS,
                            json={"leads": [{**row, "Colour": "blue"}]}).json()
    [p] = body["predictions"]
    assert p["ignored_fields"] == ["Colour"]
    assert p["probability"] == plain["predictions"][0]["probability"]


def test_unknown_categories_and_missing_columns_are_scored(flat_client):
    r = flat_client.post("/v1/predict", headers=HEADERS, json={"leads": [
        {ID: "x1"}, {ID: "x2", "Lead Source": "Carrier Pigeon", "Country": "Atlantis"}]})
    assert r.status_code == 200, r.text
    assert all(0 < p["probability"] < 1 for p in r.json()["predictions"])


def test_an_event_shape_champion_cannot_replace_a_flat_one_without_a_restart(
        flat_client, trained):
    holder = flat_client.app.state.holder
    models_dir = holder.settings.models_dir
    before = holder.current.version
    shutil.rmtree(models_dir / "champion")
    shutil.copytree(trained / "models" / "champion", models_dir / "champion")
    r = flat_client.post("/v1/admin/reload", headers=HEADERS)
    assert r.status_code == 409
    assert "restart the service" in r.text
    assert holder.current.version == before
    model = flat_client.get("/v1/model", headers=HEADERS).json()
    assert "another request schema" in model["last_reload_error"]
    assert json.loads((models_dir / "champion" / "model.json").read_text()).get("shape") != "flat"


def test_flat_champions_report_page_is_served_with_its_leakage_section(flat_client):
    response = flat_client.get("/report", headers=HEADERS)
    assert response.status_code == 200, response.text
    served = flat_client.get("/v1/model", headers=HEADERS).json()["version"]
    assert page_identity(response.text)["model-version"] == served
    assert "Columns left out: the leakage check" in response.text
    for leaky in ("Tags", "Lead Quality", "Deal Value"):
        assert leaky in response.text


def test_a_flat_champion_s_scores_are_logged_with_fingerprints_and_trends(flat_trained,
                                                                          tmp_path):
    from store.predictions import read_log

    folder, export = flat_trained
    shutil.copytree(folder / "models", tmp_path / "models")
    settings = Settings(models_dir=tmp_path / "models", api_keys=(KEY,), reload_seconds=0,
                        database_url=f"sqlite:///{tmp_path / 'log.db'}")
    rows = rows_of(export, 5, start=10)
    with TestClient(create_app(settings)) as client:
        first = client.post("/v1/predict", headers=HEADERS, json={"leads": rows}).json()
        again = client.post("/v1/predict", headers=HEADERS, json={"leads": rows}).json()
        log = client.app.state.prediction_log
        assert log.flush(timeout=30)
        logged = read_log(log.engine)
        profile = client.app.state.holder.current.profile
    assert {p["trend"] for p in first["predictions"]} == {"new"}
    assert {p["trend"] for p in again["predictions"]} == {"steady"}  # same rows, same score
    assert [p["previous_score"] for p in again["predictions"]] == \
        [p["score"] for p in first["predictions"]]
    assert len(logged) == 10 and set(logged["lead_id"]) == {r[ID] for r in rows}
    assert profile is not None and {len(f) for f in logged["fingerprint"]} == {
        len(profile.features)}
