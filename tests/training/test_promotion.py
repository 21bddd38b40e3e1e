"""One promotion policy: ``training.promotion`` decides for training and for the notebook alike."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.compare import Comparison
from training.promotion import (
    CHALLENGER,
    CHAMPION,
    MIN_COMPARED,
    decide,
    is_better,
    unseen_test_leads,
)


@pytest.mark.parametrize(("new", "old", "tolerance", "expected"), [
    (0.30, 0.31, 0.0, True),       # better
    (0.31, 0.31, 0.0, True),       # as good
    (0.32, 0.31, 0.0, False),      # worse
    (0.32, 0.31, 0.02, True),      # worse, within the configured tolerance
    (0.34, 0.31, 0.02, False),     # worse beyond it
    (0.50, math.nan, 0.0, False),  # the champion could not score the test leads
    (math.nan, 0.30, 0.0, False),  # nor the new model
])
def test_is_better_applies_the_tolerance(new, old, tolerance, expected):
    assert is_better(new, old, tolerance) is expected


def test_without_a_champion_the_new_model_becomes_champion_only_when_asked():
    decision = decide("1", 0.3, None, math.nan, tolerance=0.0, policy="if_better", n_test=100)
    assert (decision.alias, decision.reason) == (CHAMPION, "no champion yet")
    assert "champion_test_log_loss" not in decision.to_dict()
    kept = decide("1", 0.3, None, math.nan, tolerance=0.0, policy="never", n_test=100)
    assert kept.alias == CHALLENGER and "leadconv models promote 1" in kept.reason


def test_by_default_training_registers_a_challenger_even_a_better_one():
    better = decide("3", 0.25, "2", 0.30, tolerance=0.0, policy="never", n_test=10)
    assert better.alias == CHALLENGER and not better.promoted
    assert "--promote-if-better" in better.reason


def test_a_worse_model_stays_challenger_unless_forced():
    kw = {"tolerance": 0.0, "n_test": 1234}
    worse = decide("3", 0.35, "2", 0.30, policy="if_better", **kw)
    assert worse.alias == CHALLENGER and "vs champion v2" in worse.reason
    assert "1,234" in worse.reason
    forced = decide("3", 0.35, "2", 0.30, policy="always", **kw)
    assert forced.alias == CHAMPION and forced.reason.startswith("--promote forced")
    assert forced.forced and forced.to_dict()["champion_test_log_loss"] == 0.30


def test_a_comparison_that_cannot_be_made_leaves_the_champion_unless_forced():
    kw = {"tolerance": 0.0, "n_test": 500}
    kept = decide("3", 5.0, "2", math.nan, policy="if_better", **kw)
    assert kept.alias == CHALLENGER and "cannot be made" in kept.reason
    forced = decide("3", 5.0, "2", math.nan, policy="always", **kw)
    assert forced.alias == CHAMPION and "cannot be made" in forced.reason


def test_an_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="promotion policy"):
        decide("1", 0.3, None, math.nan, tolerance=0.0, policy="sometimes",  # type: ignore[arg-type]
               n_test=1)


def _comparison(new_loss: float, old_loss: float, tolerance: float,
                comparable: bool = True) -> Comparison:
    metrics = pd.DataFrame({"challenger v2": [new_loss], "champion v1": [old_loss]},
                           index=["log loss"])
    return Comparison(metrics, None, "2", "1", tolerance, comparable)  # type: ignore[arg-type]


@pytest.mark.parametrize(("new", "old", "tolerance"), [
    (0.30, 0.31, 0.0), (0.32, 0.31, 0.0), (0.32, 0.31, 0.02), (0.34, 0.31, 0.02)])
def test_the_notebooks_comparison_follows_the_same_rule_and_tolerance(new, old, tolerance):
    comparison = _comparison(new, old, tolerance)
    assert comparison.challenger_is_better is is_better(new, old, tolerance)
    assert comparison.should_promote(None) is is_better(new, old, tolerance)
    assert comparison.should_promote(False) is False and comparison.should_promote(True) is True


def test_the_notebook_never_prefers_a_challenger_it_could_not_compare():
    comparison = _comparison(0.10, math.nan, 0.0, comparable=False)
    assert not comparison.challenger_is_better and not comparison.should_promote(None)
    assert comparison.should_promote(True)  # PROMOTE = True still forces it


def test_a_blocked_model_stays_challenger_even_when_better_unless_forced():
    why = "it ranks the validation leads below a default LogisticRegression beyond noise"
    kept = decide("3", 0.2, "2", 0.5, tolerance=0.0, policy="if_better", n_test=500, blocked=why)
    assert kept.alias == CHALLENGER and why in kept.reason and "champion v2 kept" in kept.reason
    first = decide("1", 0.2, None, math.nan, tolerance=0.0, policy="if_better", n_test=500,
                   blocked=why)
    assert first.alias == CHALLENGER
    forced = decide("3", 0.2, "2", 0.5, tolerance=0.0, policy="always", n_test=500, blocked=why)
    assert forced.alias == CHAMPION and forced.forced


def test_the_champion_is_compared_only_on_test_leads_newer_than_its_training_data():
    times = pd.Series(pd.date_range("2026-01-01", periods=400, freq="D", tz="UTC"))
    until = pd.Timestamp("2026-06-30", tz="UTC").timestamp()
    facts = {"published_fit_rows": 1000.0, "published_fit_until_ts": until}
    unseen, why = unseen_test_leads(times, facts, same_data=False)
    assert why is None
    assert np.array_equal(unseen, (times > pd.Timestamp("2026-06-30", tz="UTC")).to_numpy())
    few, why = unseen_test_leads(times.head(180 + MIN_COMPARED - 1), facts, same_data=False)
    assert why is not None and f"{int(few.sum()):,} of the" in why
    _, why = unseen_test_leads(times, facts, same_data=True)
    assert why is not None and "this very export" in why
    legacy, why = unseen_test_leads(times, {}, same_data=True)  # logged before refits
    assert why is None and legacy.all()
