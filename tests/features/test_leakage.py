"""Leakage detection: planted leaky columns flagged with evidence, honest ones not, both shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demodata.flat import LEAKY_COLUMNS, TARGET
from features.build import CATEGORICAL, NUMERIC, build_features, feature_matrix
from features.flat import flat_features, learn_vocabularies
from features.flat_read import read_flat
from features.leakage import (
    LeakageConfig,
    detect_event_leakage,
    detect_leakage,
    flagged_columns,
    format_report,
)
from features.roles import infer_mapping, parse_labels


@pytest.fixture(scope="module")
def flat_flags(flat_demo_dir):
    flat = read_flat(flat_demo_dir / "export.csv")
    mapping = learn_vocabularies(flat.frame, infer_mapping(flat.frame, TARGET))
    x = flat_features(flat.frame, mapping)
    y = parse_labels(flat.frame[TARGET]).to_numpy()
    return detect_leakage(x, y, mapping.numeric, mapping.categorical), mapping


def test_every_planted_leaky_column_is_flagged_with_evidence(flat_flags):
    flags, _ = flat_flags
    assert set(flagged_columns(flags)) == set(LEAKY_COLUMNS)
    by_column = {c: [f for f in flags if f.column == c] for c in LEAKY_COLUMNS}
    for column, own in by_column.items():  # each is caught by the data, not only by its name
        assert any(f.reason in ("separates", "missingness") for f in own), column
    tags = next(f for f in by_column["Tags"] if f.reason == "separates")
    assert "single-column AUC" in tags.evidence and tags.stats["worst_value"]["n"] >= 50
    assert tags.stats["worst_value"]["rate"] in (0.0, 1.0)
    quality = next(f for f in by_column["Lead Quality"] if f.reason == "missingness")
    assert quality.stats["filled_converted"] > quality.stats["filled_unconverted"] + 0.4
    deal = {f.reason for f in by_column["Deal Value"]}
    assert {"separates", "missingness", "name"} <= deal
    report = format_report(flags)
    assert "--keep-column 'Tags'" in report and "dropped" in report


def test_no_honest_column_is_flagged(flat_flags):
    flags, mapping = flat_flags
    honest = [c for c in mapping.features if c not in LEAKY_COLUMNS]
    assert len(honest) > 20
    assert not set(flagged_columns(flags)) & set(honest)


@pytest.mark.parametrize(("name", "flagged"), [("Lead Status", True), ("Deal Stage", True),
                                               ("LeadQuality", True), ("Stagecoach", False),
                                               ("Total Visits", False)])
def test_names_match_whole_words_only(name, flagged):
    rng = np.random.default_rng(0)
    x = pd.DataFrame({name: rng.normal(size=400)})
    y = rng.random(400) < 0.3
    flags = detect_leakage(x, y, [name], [])
    assert any(f.reason == "name" for f in flags) is flagged


def test_a_rare_honest_value_with_no_conversions_is_not_evidence():
    # 60 leads at an honest 2% rate often show no conversion at all: not a leak.
    y = np.r_[np.zeros(60), np.random.default_rng(0).random(3000) < 0.13]
    x = pd.DataFrame({"Last Activity": ["Unsubscribed"] * 60 + ["Email Opened"] * 3000})
    assert detect_leakage(x, y, [], ["Last Activity"]) == []


def test_point_in_time_event_features_of_the_demo_are_not_flagged(demo_xy, demo_crm):
    x, y, _ = demo_xy
    flags, notes = detect_event_leakage(x, y, list(NUMERIC), list(CATEGORICAL),
                                        demo_crm.activities, demo_crm.outcomes)
    assert flags == []
    assert any("meeting_scheduled" in n and "none of it reaches the model" in n for n in notes)


def test_event_features_built_after_the_outcome_are_flagged(demo_xy, demo_crm):
    _, y, labelled = demo_xy
    late = build_features(demo_crm.leads, demo_crm.activities, demo_crm.as_of)
    x = feature_matrix(late.loc[labelled.index])
    flags, _ = detect_event_leakage(x, y, list(NUMERIC), list(CATEGORICAL),
                                    demo_crm.activities, demo_crm.outcomes, LeakageConfig())
    after = [f for f in flags if f.reason == "after_outcome"]
    assert {f.column for f in after} >= {"n_meeting_scheduled_30d", "n_meeting_scheduled_90d"}
    assert "after sql_at" in after[0].evidence
