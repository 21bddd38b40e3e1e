import numpy as np
import pandas as pd
import pytest

from features.demographics import (
    FUNCTION_LABELS,
    FUNCTION_RULES,
    SENIORITY_LABELS,
    SENIORITY_RULES,
    demographic_features,
    parse_function,
    parse_seniority,
)

C, VP, DIR, MGR = "c_level", "vp", "director", "manager"
IC, UNK = "individual_contributor", "unknown"

# title, seniority, function
TITLES = [
    ("VP of Mktg", VP, "marketing"),
    ("Head of IT", DIR, "it"),
    ("marketing manager  ", MGR, "marketing"),
    ("CEO & Founder", C, "executive"),
    ("Chief Technology Officer", C, "it"),
    ("Dir. Sales Ops", DIR, "sales"),
    ("Sr. Software Engineer", IC, "it"),
    ("IT Mgr", MGR, "it"),
    ("CFO", C, "finance"),
    ("Founder", C, "executive"),
    ("Co-Founder", C, "executive"),
    ("Owner", C, "executive"),
    ("President", C, "executive"),
    ("President & CEO", C, "executive"),
    ("Intern", IC, "other"),
    ("Marketing Intern", IC, "marketing"),
    ("CHIEF MARKETING OFFICER", C, "marketing"),
    ("VICE PRESIDENT, SALES", VP, "sales"),
    ("SVP", VP, "other"),
    ("EVP Operations", VP, "operations"),
    ("AVP Finance", VP, "finance"),
    ("Vice President of Sales", VP, "sales"),
    ("Vice-President Engineering", VP, "it"),
    ("V.P. Marketing", VP, "marketing"),
    ("Team Lead", MGR, "other"),
    ("Coordinator", IC, "other"),
    ("Marketing Coordinator", IC, "marketing"),
    ("Specialist", IC, "other"),
    ("Analyst", IC, "other"),
    ("Financial Analyst", IC, "finance"),
    ("Engineer", IC, "it"),
    ("Sales Engineer", IC, "sales"),
    ("Engineering Manager", MGR, "it"),
    ("Account Executive", IC, "sales"),
    ("Account Manager", MGR, "sales"),
    ("Executive Director", DIR, "other"),
    ("Executive Assistant to the CEO", IC, "executive"),
    ("Product Owner", IC, "other"),
    ("Product Designer", IC, "other"),
    ("Managing Director", C, "executive"),
    ("General Manager", DIR, "executive"),
    ("Chief of Staff", DIR, "other"),
    ("COO", C, "operations"),
    ("Chief People Officer", C, "hr"),
    ("HR Business Partner", IC, "hr"),
    ("Technical Recruiter", IC, "hr"),
    ("Office Manager", MGR, "operations"),
    ("Director of Supply Chain", DIR, "operations"),
    ("Financial Controller", MGR, "finance"),
    ("Data Scientist", IC, "it"),
    ("Président", C, "executive"),
    ("Sales (EMEA) Manager", MGR, "sales"),
    ("Senior Director, Demand Generation", DIR, "marketing"),
    ("Marketing", UNK, "marketing"),
    ("", UNK, UNK),
    ("   ", UNK, UNK),
    ("-", UNK, UNK),
    ("N/A", UNK, UNK),
    ("asdf", UNK, UNK),
    (None, UNK, UNK),
]


@pytest.mark.parametrize(("title", "seniority", "function"), TITLES)
def test_title_is_parsed_to_seniority_and_function(title, seniority, function):
    titles = pd.Series([title], dtype="str")
    assert parse_seniority(titles).tolist() == [seniority]
    assert parse_function(titles).tolist() == [function]


def test_title_table_is_large_and_uses_only_known_labels():
    assert len(TITLES) >= 40
    assert {s for _, s, _ in TITLES} == set(SENIORITY_LABELS)
    assert {f for _, _, f in TITLES} == set(FUNCTION_LABELS)


@pytest.mark.parametrize("rule", SENIORITY_RULES, ids=lambda r: r.example)
def test_each_seniority_rule_example_gets_its_label(rule):
    assert parse_seniority(pd.Series([rule.example])).item() == rule.label


@pytest.mark.parametrize("rule", FUNCTION_RULES, ids=lambda r: r.example)
def test_each_function_rule_example_gets_its_label(rule):
    assert parse_function(pd.Series([rule.example])).item() == rule.label


def test_rule_labels_are_declared_labels():
    assert {r.label for r in SENIORITY_RULES} <= set(SENIORITY_LABELS)
    assert {r.label for r in FUNCTION_RULES} <= set(FUNCTION_LABELS)


def test_repeated_titles_map_back_to_every_row_in_order():
    titles = pd.Series(["CFO", "Intern", None, "CFO", "Intern", "CFO"], index=[5, 3, 9, 1, 7, 2])
    result = parse_seniority(titles)
    assert result.index.tolist() == [5, 3, 9, 1, 7, 2]
    assert result.tolist() == [C, IC, UNK, C, IC, C]


def test_demographic_features_is_indexed_like_leads_and_leaves_input_alone():
    leads = pd.DataFrame({"job_title": ["VP of Mktg", np.nan, "IT Mgr"], "budget": [1.0, 2.0, 3.0]},
                         index=pd.Index(["L3", "L1", "L2"], name="lead_id"))
    before = leads.copy()
    result = demographic_features(leads)
    pd.testing.assert_frame_equal(leads, before)
    assert result.columns.tolist() == ["seniority", "job_function"]
    assert result.index.equals(leads.index)
    assert result.to_dict("index") == {
        "L3": {"seniority": VP, "job_function": "marketing"},
        "L1": {"seniority": UNK, "job_function": UNK},
        "L2": {"seniority": MGR, "job_function": "it"},
    }


def test_demographic_features_without_job_title_column_is_unknown():
    leads = pd.DataFrame({"budget": [1.0, 2.0]}, index=[10, 11])
    result = demographic_features(leads)
    assert result.index.tolist() == [10, 11]
    assert result["seniority"].tolist() == [UNK, UNK]
    assert result["job_function"].tolist() == [UNK, UNK]


def test_empty_leads_give_empty_features():
    result = demographic_features(pd.DataFrame({"job_title": pd.Series([], dtype="str")}))
    assert result.empty
    assert result.columns.tolist() == ["seniority", "job_function"]
