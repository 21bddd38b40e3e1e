"""One promotion policy: ``training.promotion`` decides for training and for the notebook alike."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from training.compare import Comparison
from training.promotion import CHALLENGER, CHAMPION, decide, is_better


@pytest.mark.parametrize(("new", "old", "tolerance", "expected"), [
    (0.30, 0.31, 0.0, True),       # better
    (0.31, 0.31, 0.0, True),       # as good
    (0.32, 0.31, 0.0, False),      # worse
    (0.32, 0.31, 0.02, True),      # worse, within the configured tolerance
    (0.34, 0.31, 0.02, False),     # worse beyond it
    (0.50, math.nan, 0.0, True),   # the champion could not score the test leads
])
def test_is_better_applies_the_tolerance(new, old, tolerance, expected):
    assert is_better(new, old, tolerance) is expected


def test_without_a_champion_the_new_model_becomes_champion():
    decision = decide("1", 0.3, None, math.nan, tolerance=0.0, forced=False, n_test=100)
    assert (decision.alias, decision.reason) == (CHAMPION, "no champion yet")
    assert "champion_test_log_loss" not in decision.to_dict()


def test_a_worse_model_stays_challenger_unless_forced():
    kw = {"tolerance": 0.0, "n_test": 1234}
    worse = decide("3", 0.35, "2", 0.30, forced=False, **kw)
    assert worse.alias == CHALLENGER and "vs champion v2" in worse.reason
    assert "1,234" in worse.reason
    forced = decide("3", 0.35, "2", 0.30, forced=True, **kw)
    assert forced.alias == CHAMPION and forced.reason.startswith("--promote forced")
    assert forced.to_dict()["champion_test_log_loss"] == 0.30


def _comparison(new_loss: float, old_loss: float, tolerance: float) -> Comparison:
    metrics = pd.DataFrame({"challenger v2": [new_loss], "champion v1": [old_loss]},
                           index=["log loss"])
    return Comparison(metrics, None, "2", "1", tolerance)  # type: ignore[arg-type]


@pytest.mark.parametrize(("new", "old", "tolerance"), [
    (0.30, 0.31, 0.0), (0.32, 0.31, 0.0), (0.32, 0.31, 0.02), (0.34, 0.31, 0.02)])
def test_the_notebooks_comparison_follows_the_same_rule_and_tolerance(new, old, tolerance):
    comparison = _comparison(new, old, tolerance)
    assert comparison.challenger_is_better is is_better(new, old, tolerance)
    assert comparison.should_promote(None) is is_better(new, old, tolerance)
    assert comparison.should_promote(False) is False and comparison.should_promote(True) is True
