"""The report's segments come from the lead table, never from the model's inputs: a segment
column the leakage check dropped from the model still gets its conversion table, with rates
computed from the leads."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from features.build import build_features, feature_catalog, feature_matrix
from features.labels import make_labels
from features.points import points_score
from features.rules import load_rules
from features.table import lead_table
from report.page import build_report, inputs_from_run
from scoring.card import ModelCard
from tests.report.html_tables import Tables, expected_rows, text_of

DROPPED = ["source", "industry", "company_size_band"]  # as if flagged by the leakage check
HEADINGS = {"source": "By lead source", "industry": "By industry",
            "company_size_band": "By company size band"}


@pytest.fixture(scope="module")
def run_without_segments(demo_crm):
    """What a training run hands the report when the leakage check dropped every segment
    column from the model's inputs (``prepared.x``); the scores are made up."""
    rules = load_rules()
    features = build_features(demo_crm.leads, demo_crm.activities, rules=rules)
    labels = make_labels(features["scored_at"], demo_crm.outcomes, demo_crm.as_of, 90)
    labelled = labels.labelled
    newest = labelled["scored_at"].sort_values(kind="stable").index
    test = newest[len(newest) * 4 // 5:]
    x = feature_matrix(features.loc[labelled.index]).drop(columns=DROPPED)
    prepared = SimpleNamespace(
        x=x, y=labelled["label"].astype(int), labels=labels,
        points=points_score(features, rules)["points_score"].loc[labelled.index],
        split=SimpleNamespace(test=test, boundaries={"test": "newest fifth"}))
    catalog = feature_catalog().set_index("name").loc[list(x.columns)]
    importances = pd.DataFrame({"name": catalog.index, "label": catalog["label"],
                                "family": catalog["family"],
                                "importance": np.linspace(0.05, 0.001, len(catalog)),
                                "std": 0.0, "direction": "up"}).reset_index(drop=True)
    flags = [{"column": c, "reason": "separates", "evidence": "made up"} for c in DROPPED]
    card = ModelCard(version="3", run_id="run-without-segments", horizon_days=90,
                     metrics={"split": "out_of_time"},
                     leakage={"leakage_flags": flags, "dropped_columns": DROPPED})
    p_test = np.random.default_rng(0).uniform(0.0, 0.6, len(test))
    inputs = inputs_from_run(demo_crm, prepared, rules, p_test, importances, card)
    return prepared, build_report(inputs)


@pytest.fixture(scope="module")
def lead_rows(demo_crm, run_without_segments):
    """The labelled leads of the lead table (features, BANT flags, points) with their label."""
    prepared, _ = run_without_segments
    table = lead_table(demo_crm.leads, demo_crm.activities, rules=load_rules())
    rows = table.loc[prepared.y.index].copy()
    rows["converted"] = prepared.y
    return rows


def test_the_model_inputs_lack_the_segment_columns(run_without_segments):
    prepared, _ = run_without_segments
    assert not set(DROPPED) & set(prepared.x.columns)


@pytest.mark.parametrize("segment", DROPPED)
def test_a_segment_dropped_from_the_model_is_still_shown_with_rates_from_the_lead_table(
        run_without_segments, lead_rows, segment):
    _, page = run_without_segments
    assert HEADINGS[segment] in text_of(page)
    shown = {row[0]: row[1:] for row in Tables(page).tables[f"conv-{segment}"][1:]}
    assert len(shown) >= 2
    assert shown == expected_rows(lead_rows, segment)


def test_the_dropped_columns_are_named_in_the_leakage_section(run_without_segments):
    _, page = run_without_segments
    rows = Tables(page).tables["leakage"][1:]
    assert [(r[0], r[3]) for r in rows] == [(c, "dropped") for c in DROPPED]
