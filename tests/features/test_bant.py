import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.bant import COLUMNS, VALUES, bant_flags
from features.rules import AuthorityRule, load_rules

RULES = load_rules()  # shipped defaults: budget ≥ 25,000; c_level/vp/director decide; 0-6 months

WITHIN = "within 6 months"

# (flag, column, value in the leads table, expected flag, expected reason)
CASES = [
    # budget
    ("budget", "budget", 40000.0, "true", "budget: declared 40,000 ≥ 25,000 threshold"),
    ("budget", "budget", 25000.0, "true", "budget: declared 25,000 ≥ 25,000 threshold"),
    ("budget", "budget", 24999.99, "false", "budget: declared 24,999.99 < 25,000 threshold"),
    ("budget", "budget", 24999.999, "false", "budget: declared 24,999.999 < 25,000 threshold"),
    ("budget", "budget", 0.0, "false", "budget: declared 0 < 25,000 threshold"),
    ("budget", "budget", 1_250_000.0, "true", "budget: declared 1,250,000 ≥ 25,000 threshold"),
    ("budget", "budget", np.nan, "unknown", "budget: no budget declared"),
    ("budget", "budget", None, "unknown", "budget: no budget declared"),
    ("budget", "budget", "", "unknown", "budget: no budget declared"),
    ("budget", "budget", "40000", "true", "budget: declared 40,000 ≥ 25,000 threshold"),
    ("budget", "budget", "lots", "unknown", "budget: declared 'lots' is not a number"),
    ("budget", "budget", -500.0, "unknown", "budget: declared -500 is not a valid amount"),
    ("budget", "budget", np.inf, "unknown", "budget: declared inf is not a valid amount"),
    # authority
    ("authority", "job_title", "VP of Mktg", "true", "authority: title 'VP of Mktg' is VP level"),
    ("authority", "job_title", "CEO & Founder", "true",
     "authority: title 'CEO & Founder' is C-level"),
    ("authority", "job_title", "Head of IT", "true",
     "authority: title 'Head of IT' is director level"),
    ("authority", "job_title", "marketing manager  ", "false",
     "authority: title 'marketing manager' is manager level, not a decision maker"),
    ("authority", "job_title", "Sr. Software Engineer", "false",
     "authority: title 'Sr. Software Engineer' is individual contributor level, "
     "not a decision maker"),
    ("authority", "job_title", "", "unknown", "authority: no job title"),
    ("authority", "job_title", "  ", "unknown", "authority: no job title"),
    ("authority", "job_title", None, "unknown", "authority: no job title"),
    ("authority", "job_title", "asdf", "unknown",
     "authority: title 'asdf' does not show a seniority level"),
    ("authority", "job_title", "Marketing", "unknown",
     "authority: title 'Marketing' does not show a seniority level"),
    # need
    ("need", "pain_point", "pipeline visibility", "true",
     "need: pain point 'pipeline visibility' is a stated need"),
    ("need", "pain_point", "just researching", "false",
     "need: pain point 'just researching' is not a qualifying need"),
    ("need", "pain_point", "  Just   Researching. ", "false",
     "need: pain point 'Just Researching.' is not a qualifying need"),
    ("need", "pain_point", "NONE", "false", "need: pain point 'NONE' is not a qualifying need"),
    ("need", "pain_point", "n/a", "unknown",
     "need: pain point 'n/a' does not say what the need is"),
    ("need", "pain_point", "Other", "unknown",
     "need: pain point 'Other' does not say what the need is"),
    ("need", "pain_point", "", "unknown", "need: no pain point given"),
    ("need", "pain_point", "-", "unknown", "need: no pain point given"),
    ("need", "pain_point", None, "unknown", "need: no pain point given"),
    # timeline
    ("timeline", "purchase_timeframe", "0-3 months", "true", f"timeline: '0-3 months' is {WITHIN}"),
    ("timeline", "purchase_timeframe", "3-6 months", "true", f"timeline: '3-6 months' is {WITHIN}"),
    ("timeline", "purchase_timeframe", " 3-6  Months ", "true",
     f"timeline: '3-6 Months' is {WITHIN}"),
    ("timeline", "purchase_timeframe", "6-12 months", "false",
     f"timeline: '6-12 months' is not {WITHIN}"),
    ("timeline", "purchase_timeframe", "12+ months", "false",
     f"timeline: '12+ months' is not {WITHIN}"),
    ("timeline", "purchase_timeframe", "no timeline", "false",
     f"timeline: 'no timeline' is not {WITHIN}"),
    ("timeline", "purchase_timeframe", "soon", "unknown",
     "timeline: purchase timeframe 'soon' not understood (expected: 0-3 months, 3-6 months, "
     "6-12 months, 12+ months, no timeline)"),
    ("timeline", "purchase_timeframe", "", "unknown", "timeline: no purchase timeframe given"),
    ("timeline", "purchase_timeframe", None, "unknown", "timeline: no purchase timeframe given"),
]


@pytest.mark.parametrize(("flag", "column", "value", "expected", "reason"), CASES)
def test_flag_and_reason_for_one_lead(flag, column, value, expected, reason):
    leads = pd.DataFrame({column: [value]}, index=["L1"])
    result = bant_flags(leads, RULES)
    assert result.loc["L1", f"bant_{flag}"] == expected
    assert result.loc["L1", f"bant_{flag}_reason"] == reason


@pytest.mark.parametrize(("flag", "column", "value", "expected", "reason"), CASES)
def test_flag_is_the_same_among_other_leads(flag, column, value, expected, reason):
    # The same value decided inside a mixed column (other dtypes, repeats, blanks around it).
    others = ["", None, value, "x"] if isinstance(value, str) or value is None else [
        np.nan, 1.0, value, 30000.0]
    leads = pd.DataFrame({column: others + [value]}, index=[4, 3, 2, 1, 0])
    result = bant_flags(leads, RULES)
    assert result.loc[[2, 0], f"bant_{flag}"].tolist() == [expected, expected]
    assert result.loc[[2, 0], f"bant_{flag}_reason"].tolist() == [reason, reason]


@pytest.mark.parametrize(("flag", "column"), [
    ("budget", "budget"),
    ("authority", "job_title"),
    ("need", "pain_point"),
    ("timeline", "purchase_timeframe"),
])
def test_missing_column_makes_flag_unknown_for_every_lead(flag, column):
    leads = pd.DataFrame({"lead_id": ["a", "b"]}, index=[7, 8])
    result = bant_flags(leads, RULES)
    assert result[f"bant_{flag}"].tolist() == ["unknown", "unknown"]
    assert result[f"bant_{flag}_reason"].tolist() == [
        f"{flag}: no {column} column in the leads data"] * 2


def test_full_rows_example_from_the_brief():
    leads = pd.DataFrame(
        {
            "job_title": ["VP of Mktg", None],
            "budget": [40000.0, np.nan],
            "pain_point": ["pipeline visibility", ""],
            "purchase_timeframe": ["0-3 months", None],
        },
        index=pd.Index(["L-100", "L-101"], name="lead_id"),
    )
    result = bant_flags(leads, RULES)
    assert result.to_dict("index") == {
        "L-100": {
            "bant_budget": "true",
            "bant_budget_reason": "budget: declared 40,000 ≥ 25,000 threshold",
            "bant_authority": "true",
            "bant_authority_reason": "authority: title 'VP of Mktg' is VP level",
            "bant_need": "true",
            "bant_need_reason": "need: pain point 'pipeline visibility' is a stated need",
            "bant_timeline": "true",
            "bant_timeline_reason": "timeline: '0-3 months' is within 6 months",
        },
        "L-101": {
            "bant_budget": "unknown",
            "bant_budget_reason": "budget: no budget declared",
            "bant_authority": "unknown",
            "bant_authority_reason": "authority: no job title",
            "bant_need": "unknown",
            "bant_need_reason": "need: no pain point given",
            "bant_timeline": "unknown",
            "bant_timeline_reason": "timeline: no purchase timeframe given",
        },
    }


def test_output_has_fixed_columns_index_and_values_and_input_is_untouched():
    leads = pd.DataFrame(
        {"job_title": ["CFO", "asdf", None], "budget": [1.0, np.nan, 9e9],
         "pain_point": ["x", None, "none"], "purchase_timeframe": ["soon", "0-3 months", None]},
        index=[30, 10, 20],
    )
    before = leads.copy()
    result = bant_flags(leads, RULES)
    pd.testing.assert_frame_equal(leads, before)
    assert result.columns.tolist() == list(COLUMNS)
    assert result.index.tolist() == [30, 10, 20]
    for flag in ("budget", "authority", "need", "timeline"):
        assert set(result[f"bant_{flag}"]) <= set(VALUES)
        assert result[f"bant_{flag}_reason"].str.startswith(f"{flag}: ").all()


def test_empty_leads_give_empty_flags():
    leads = pd.DataFrame({"budget": pd.Series([], dtype="float64")})
    result = bant_flags(leads, RULES)
    assert len(result) == 0
    assert result.columns.tolist() == list(COLUMNS)


def test_budget_threshold_comes_from_the_rules():
    strict = dataclasses.replace(
        RULES, bant=dataclasses.replace(
            RULES.bant, budget=dataclasses.replace(RULES.bant.budget, min_amount=50000.0)))
    result = bant_flags(pd.DataFrame({"budget": [40000.0, 50000.0]}), strict)
    assert result["bant_budget"].tolist() == ["false", "true"]
    assert result["bant_budget_reason"].tolist() == [
        "budget: declared 40,000 < 50,000 threshold",
        "budget: declared 50,000 ≥ 50,000 threshold",
    ]


def test_authority_levels_come_from_the_rules():
    managers_decide = dataclasses.replace(RULES, bant=dataclasses.replace(
        RULES.bant, authority=AuthorityRule(
            decision_makers=("c_level", "vp", "director", "manager"),
            not_decision_makers=("individual_contributor",))))
    result = bant_flags(pd.DataFrame({"job_title": ["IT Mgr", "Analyst"]}), managers_decide)
    assert result["bant_authority"].tolist() == ["true", "false"]
    assert result["bant_authority_reason"].tolist() == [
        "authority: title 'IT Mgr' is manager level",
        "authority: title 'Analyst' is individual contributor level, not a decision maker",
    ]
