"""Reasons in sales words: a sentence in business units for every feature value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from features.build import build_features, feature_catalog
from features.rules import load_rules
from scoring.sentences import Sentences


@pytest.fixture(scope="module")
def sentences() -> Sentences:
    return Sentences(load_rules())


def test_budget_is_read_against_the_rules_threshold(sentences, tmp_path):
    log = math.log1p
    assert sentences.text("log_budget", log(40_000)) == \
        "Budget $40,000 meets the $25,000 threshold"
    assert sentences.text("log_budget", log(10_000)) == \
        "Budget $10,000 is below the $25,000 threshold"
    assert sentences.text("log_budget", float("nan")) == "No budget given"
    own = tmp_path / "rules.toml"
    own.write_text('extends = "default"\n[bant.budget]\nmin_amount = 50000\n')
    assert Sentences(load_rules(own)).text("log_budget", log(40_000)) == \
        "Budget $40,000 is below the $50,000 threshold"


@pytest.mark.parametrize(("feature", "value", "text"), [
    ("n_demo_request_30d", 1.0, "Requested a demo in the last 30 days"),
    ("n_demo_request_30d", 0.0, "No demo request in the last 30 days"),
    ("n_pricing_page_view_7d", 3.0, "Viewed the pricing page 3 times in the last 7 days"),
    ("n_activities_90d", 1.0, "1 activity in the last 90 days"),
    ("n_bottom_content_90d", 2.0, "Downloaded 2 bottom-of-funnel items in the last 90 days"),
    ("days_since_last_activity", 41.7, "No activity for 41 days"),
    ("days_since_last_activity", 2.2, "Last active 2 days ago"),
    ("days_since_last_activity", 0.3, "Active today"),
    ("days_since_last_activity", float("nan"), "No activity on record"),
    ("source", "organic_search", "Came from Organic search"),
    ("industry", "software", "In the Software industry (ideal customer profile)"),
    ("industry", "education", "In the Education industry"),
    ("company_size", 1200.0, "Company of 1,200 employees, within the 50-5,000 target"),
    ("company_size", 12.0, "Company of 12 employees, outside the 50-5,000 target"),
    ("seniority", "vp", "VP level (decision maker)"),
    ("seniority", "manager", "Manager level (not the decision maker)"),
    ("purchase_timeframe", "0-3 months", "Plans to buy in 0-3 months (within 6 months)"),
    ("purchase_timeframe", "12+ months", "Plans to buy in 12+ months, not within 6 months"),
    ("region", "north_america", "Based in North America"),
    ("has_unsubscribed", 1.0, "Unsubscribed from emails"),
])
def test_sentences_state_the_value_in_business_units(sentences, feature, value, text):
    assert sentences.text(feature, value) == text


def test_every_feature_of_the_demo_reads_without_codes_or_raw_numbers(sentences, demo_crm):
    leads = demo_crm.leads.iloc[::40]
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    table = build_features(leads, acts, demo_crm.as_of)
    labels = dict(zip(feature_catalog()["name"], feature_catalog()["label"], strict=True))
    for name in (n for n in table.columns if n in labels):
        for value in table[name].drop_duplicates().head(20):
            if isinstance(value, np.generic):
                value = value.item()
            text = sentences.text(name, value)
            assert text and "nan" not in text.lower().split(), (name, value, text)
            assert not text.startswith(f"{labels[name]}:"), (name, text)  # its own sentence
            if name != "pain_point":  # the lead's own words are quoted as written
                assert "_" not in text, (name, value, text)
            assert "(log" not in text, (name, text)


def test_a_column_without_a_sentence_reads_label_and_value():
    words = Sentences(load_rules(), {"Colour": "Colour of the logo"})
    assert words.text("Colour", "blue") == "Colour of the logo: blue"
    assert words.text("Colour", None) == "Colour of the logo: not given"
    assert words.text("Weight", 2.5) == "Weight: 2.5"
