"""The typed model card: one JSON form, read back the same, wrong cards refused by key."""

from __future__ import annotations

import json

import pytest

from scoring.bundle import CARD_FILE, StoreError, read_card
from scoring.card import CardError, ModelCard, describe_signature

MAPPING = {"target": "Converted", "id_column": "Lead Id", "time_column": None,
           "roles": {"Lead Id": "id", "Source": "categorical", "Visits": "numeric",
                     "Converted": "label"}}


def test_a_card_survives_its_json_form_unchanged():
    card = ModelCard(shape="flat", version="7", alias="champion", run_id="r1", horizon_days=None,
                     metrics={"test_auc": 0.8, "kept_columns": ["Tags"]},
                     features=[{"name": "Visits", "label": "Visits"}], feature_names=["Visits"],
                     reference={"Visits": 3.0}, checks=[{"Visits": None}], mapping=MAPPING,
                     sklearn_version="1.9.1")
    again = ModelCard.from_dict(json.loads(json.dumps(card.to_dict())))
    assert again == card
    assert again.kept_columns == ["Tags"] and again.labels == {"Visits": "Visits"}


def test_keys_a_newer_version_adds_are_kept_not_dropped():
    card = ModelCard.from_dict({"version": 3, "horizon_days": "90", "future_key": {"a": 1}})
    assert card.version == "3" and card.horizon_days == 90
    assert card.extra == {"future_key": {"a": 1}}
    assert card.to_dict()["future_key"] == {"a": 1}


@pytest.mark.parametrize(("data", "key"), [
    ({"shape": "tabular"}, "shape"),
    ({"shape": "flat"}, "mapping"),
    ({"metrics": [1, 2]}, "metrics"),
    ({"features": {"a": 1}}, "features"),
    ({"horizon_days": "ninety"}, "horizon_days"),
])
def test_a_wrong_card_is_refused_naming_the_key(data, key):
    with pytest.raises(CardError, match=key):
        ModelCard.from_dict(data)


def test_a_bundle_with_a_wrong_card_is_a_store_error_naming_the_file(tmp_path):
    (tmp_path / CARD_FILE).write_text(json.dumps({"shape": "flat"}))
    with pytest.raises(StoreError, match=rf"{CARD_FILE}.*mapping"):
        read_card(tmp_path)


def test_the_request_schema_follows_the_shape_and_the_flat_columns():
    event = ModelCard()
    flat = ModelCard(shape="flat", mapping=MAPPING)
    assert event.request_signature() == ("event",)
    assert describe_signature(event.request_signature()) == "event shape"
    signature = flat.request_signature()
    assert signature[0] == "flat" and signature[2] == "Lead Id"
    assert dict(signature[1])["Visits"] == "numeric"
    assert "Source" in describe_signature(signature)
