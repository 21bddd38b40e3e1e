import dataclasses
import re

import pytest

from features.rules import (
    DEFAULT_RULES_PATH,
    ICP,
    LEVELS,
    BehaviourPoints,
    RulesError,
    SilenceStep,
    load_rules,
)

DEFAULT_TEXT = DEFAULT_RULES_PATH.read_text(encoding="utf-8")


def write(tmp_path, text: str, name: str = "rules.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def without(text: str, pattern: str) -> str:
    """The default file with the lines matching ``pattern`` (a regex, multiline) removed."""
    changed, n = re.subn(pattern, "", text, flags=re.MULTILINE)
    assert n, f"pattern {pattern!r} not in the default rules file"
    return changed


def test_default_rules_load_with_documented_values():
    rules = load_rules()
    assert rules.source == str(DEFAULT_RULES_PATH)
    assert rules.icp == ICP(
        industries=("software", "financial_services", "professional_services", "healthcare"),
        min_employees=50, max_employees=5000, regions=("north_america", "europe"))
    assert rules.bant.budget.min_amount == 25000
    assert rules.bant.authority.decision_makers == ("c_level", "vp", "director")
    assert rules.bant.authority.not_decision_makers == ("manager", "individual_contributor")
    assert "just researching" in rules.bant.need.not_a_need
    assert "n/a" in rules.bant.need.no_answer
    assert rules.bant.timeline.qualifying == ("0-3 months", "3-6 months")
    assert rules.bant.timeline.not_qualifying == ("6-12 months", "12+ months", "no timeline")
    assert rules.points.behaviour[0] == BehaviourPoints("n_demo_request_90d", 25, 25)
    assert dict(rules.points.seniority) == {"c_level": 15, "vp": 15, "director": 10}
    assert (rules.points.unsubscribed, rules.points.bounced) == (-30, -20)
    assert rules.points.silence == (SilenceStep(30, -10), SilenceStep(90, -20))
    assert (rules.points.hot, rules.points.warm) == (60, 30)


def test_rules_are_frozen():
    rules = load_rules()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rules.bant.budget.min_amount = 1  # type: ignore[misc]


def test_a_copy_of_the_default_file_loads_the_same_rules(tmp_path):
    path = write(tmp_path, DEFAULT_TEXT)
    assert load_rules(path) == dataclasses.replace(load_rules(), source=str(path))
    assert load_rules(str(path)).source == str(path)


def test_max_employees_is_optional(tmp_path):
    path = write(tmp_path, without(DEFAULT_TEXT, r"^max_employees = .*\n"))
    assert load_rules(path).icp.max_employees is None


def test_answers_in_the_file_are_normalised(tmp_path):
    path = write(tmp_path, DEFAULT_TEXT.replace('"0-3 months"', '" 0-3  Months "'))
    assert load_rules(path).bant.timeline.qualifying[0] == "0-3 months"


def test_extends_default_overrides_only_the_given_keys(tmp_path):
    path = write(tmp_path, 'extends = "default"\n'
                           "[bant.budget]\nmin_amount = 10000\n"
                           "[points.behaviour]\nn_demo_request_90d = { each = 40 }\n"
                           "n_trial_signup_30d = { each = 20, max = 20 }\n")
    rules, default = load_rules(path), load_rules()
    assert rules.bant.budget.min_amount == 10000
    assert rules.bant.authority == default.bant.authority
    assert rules.icp == default.icp
    behaviour = {r.feature: r for r in rules.points.behaviour}
    assert behaviour["n_demo_request_90d"] == BehaviourPoints("n_demo_request_90d", 40, 25)
    assert behaviour["n_trial_signup_30d"] == BehaviourPoints("n_trial_signup_30d", 20, 20)
    assert len(behaviour) == len(default.points.behaviour) + 1
    assert rules.source == str(path)


EXTENDS = 'extends = "default"\n'

# (file text, the message after "<path>: ")
INVALID = [
    pytest.param(EXTENDS + "[bant.budget]\nmin_amount = \n",
                 "not valid TOML: Invalid value (at line 3, column 14)", id="bad-toml"),
    pytest.param(EXTENDS + "[bant.budget]\nmin_ammount = 5\n",
                 "[bant.budget] unknown key 'min_ammount' (did you mean 'min_amount'?)",
                 id="unknown-key"),
    pytest.param(EXTENDS + "[bnat.budget]\nmin_amount = 5\n",
                 "unknown key 'bnat' (did you mean 'bant'?)", id="unknown-section"),
    pytest.param(EXTENDS + '[bant.budget]\nmin_amount = "lots"\n',
                 "[bant.budget] min_amount must be a number ≥ 0, got 'lots'", id="wrong-type"),
    pytest.param(EXTENDS + "[bant.budget]\nmin_amount = true\n",
                 "[bant.budget] min_amount must be a number ≥ 0, got True", id="bool-not-number"),
    pytest.param(EXTENDS + "[bant.budget]\nmin_amount = -1\n",
                 "[bant.budget] min_amount must be a number ≥ 0, got -1", id="negative-threshold"),
    pytest.param(EXTENDS + "[points.behaviour]\nn_demo_requests_90d = { each = 5, max = 5 }\n",
                 "[points.behaviour] unknown feature 'n_demo_requests_90d' "
                 "(did you mean 'n_demo_request_90d'?)", id="feature-does-not-exist"),
    pytest.param(EXTENDS + "[points.behaviour]\nn_page_view_90d = 3\n",
                 "[points.behaviour] n_page_view_90d must be a section (table), got 3",
                 id="behaviour-not-a-table"),
    pytest.param(EXTENDS + "[points.behaviour]\nn_page_view_90d = { each = 1, cap = 5 }\n",
                 "[points.behaviour.n_page_view_90d] unknown key 'cap'",
                 id="behaviour-unknown-key"),
    pytest.param(EXTENDS + "[points.behaviour]\nn_page_view_90d = { each = -1, max = 5 }\n",
                 "[points.behaviour.n_page_view_90d] each must be a number ≥ 0, got -1",
                 id="behaviour-negative"),
    pytest.param(EXTENDS + '[icp]\nregions = ["emea"]\n',
                 "[icp] regions: unknown value 'emea'; allowed: north_america, europe, apac, "
                 "latam, middle_east_africa", id="unknown-region"),
    pytest.param(EXTENDS + "[icp]\nmin_employees = 10.5\n",
                 "[icp] min_employees must be a whole number ≥ 0, got 10.5", id="float-employees"),
    pytest.param(EXTENDS + "[icp]\nmin_employees = 100\nmax_employees = 50\n",
                 "[icp] max_employees must be a whole number ≥ 100, got 50", id="max-below-min"),
    pytest.param(EXTENDS + '[icp]\nindustries = "software"\n',
                 "[icp] industries must be a list of texts, got 'software'", id="not-a-list"),
    pytest.param(EXTENDS + '[bant.authority]\ndecision_makers = ["c_level", "vp", "director", '
                 '"manager"]\n',
                 "[bant.authority] 'manager' is in both decision_makers and not_decision_makers",
                 id="level-in-both-lists"),
    pytest.param(EXTENDS + '[bant.authority]\ndecision_makers = ["c_level", "vp"]\n',
                 "[bant.authority] seniority level 'director' must be in decision_makers or "
                 "not_decision_makers", id="level-in-no-list"),
    pytest.param(EXTENDS + '[bant.authority]\ndecision_makers = ["ceo"]\n',
                 "[bant.authority] decision_makers: unknown value 'ceo'; allowed: "
                 + ", ".join(LEVELS), id="unknown-level"),
    pytest.param(EXTENDS + '[bant.timeline]\nqualifying = ["0-3 months", "12+ months"]\n',
                 "[bant.timeline] '12+ months' is in both qualifying and not_qualifying",
                 id="timeframe-in-both-lists"),
    pytest.param(EXTENDS + '[bant.timeline]\nlabel = ""\n',
                 "[bant.timeline] label must be a non-empty text, got ''", id="empty-label"),
    pytest.param(EXTENDS + "[points.fit]\nseniority = { ceo = 20 }\n",
                 "[points.fit.seniority] unknown seniority level 'ceo'; allowed: "
                 + ", ".join(LEVELS), id="fit-unknown-level"),
    pytest.param(EXTENDS + "[points.negative]\nunsubscribed = 30\n",
                 "[points.negative] unsubscribed must be a number ≤ 0, got 30",
                 id="negative-points-positive"),
    pytest.param(EXTENDS + "[points.negative]\nsilence = [{ after_days = 30, point = -5 }]\n",
                 "[points.negative.silence[0]] missing key 'points'", id="silence-missing-key"),
    pytest.param(EXTENDS + "[points.negative]\nsilence = [{ after_days = 30, points = -5 }, "
                 "{ after_days = 30, points = -9 }]\n",
                 "[points.negative] silence has two steps with the same after_days",
                 id="silence-duplicate-step"),
    pytest.param(EXTENDS + "[points.negative]\nsilence = 5\n",
                 "[points.negative] silence must be a list of { after_days = ..., points = ... }, "
                 "got 5", id="silence-not-a-list"),
    pytest.param(EXTENDS + "[points.tiers]\nhot = 30\nwarm = 30\n",
                 "[points.tiers] warm must be below hot, got warm = 30, hot = 30",
                 id="warm-not-below-hot"),
    pytest.param(EXTENDS + "[points.tiers]\nhot = 120\n",
                 "[points.tiers] hot must be a number between 0 and 100, got 120",
                 id="tier-above-100"),
    pytest.param('extends = "mine"\n', "extends must be \"default\", got 'mine'",
                 id="extends-unknown"),
    pytest.param(without(DEFAULT_TEXT, r"^\[bant\.need\]\n(?:(?!\[).*\n)*"),
                 "missing section [bant.need]", id="missing-section"),
    pytest.param(without(DEFAULT_TEXT, r"^min_amount = .*\n"),
                 "[bant.budget] missing key 'min_amount'", id="missing-key"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_rules_file_names_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert str(err.value) == f"{path}: {message}"


def test_rules_error_is_a_value_error():
    assert issubclass(RulesError, ValueError)


def test_missing_file_is_a_rules_error(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(RulesError, match=re.escape(f"{path}: rules file not found")):
        load_rules(path)
