"""GET /v1/model and /v1/importances: the card of the model actually served."""

from __future__ import annotations

import json

from tests.serving.helpers import HEADERS


def _card(models_dir):
    return json.loads((models_dir / "champion" / "model.json").read_text())


def test_model_shows_version_provenance_and_test_metrics_from_the_card(client, models_dir):
    card = _card(models_dir)
    r = client.get("/v1/model", headers=HEADERS)
    assert r.status_code == 200
    m = r.json()
    assert m["version"] == str(card["version"])
    assert m["alias"] == "champion"
    assert m["model_name"] == "lead-conversion"
    assert m["trained_at"] == card["trained_at"]
    assert m["run_id"] == card["run_id"]
    assert m["source"] == str(models_dir / "champion")
    assert m["data_fingerprint"]["sha256"] == card["data_fingerprint"]["sha256"]
    assert m["calibration"] == card["metrics"]["calibration"]
    assert m["test_metrics"]["test_ece"] == card["metrics"]["test_ece"]
    assert {"test_auc", "test_log_loss", "test_brier"} <= set(m["test_metrics"])
    assert all(k.startswith("test_") for k in m["test_metrics"])
    assert m["last_reload_error"] is None


def test_importances_are_the_cards_with_business_labels_most_important_first(client, models_dir):
    card = _card(models_dir)
    r = client.get("/v1/importances", headers=HEADERS)
    assert r.status_code == 200
    rows = r.json()["importances"]
    assert {x["name"] for x in rows} == {x["name"] for x in card["importances"]}
    assert [x["importance"] for x in rows] == sorted((x["importance"] for x in rows),
                                                     reverse=True)
    first = next(x for x in card["importances"] if x["name"] == rows[0]["name"])
    assert rows[0] == {k: first[k] for k in ("name", "label", "family", "importance",
                                             "direction")}
    assert r.json()["model_version"] == str(card["version"])
