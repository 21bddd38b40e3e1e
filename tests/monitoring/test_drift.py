"""PSI and the reference profile's bins on small literal data, against the formula by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from monitoring.config import Thresholds
from monitoring.drift import ALL, column_psi, drift_table, psi
from scoring.profile import (
    MISSING,
    OTHER,
    PROFILE_FILE,
    ProfileError,
    ReferenceProfile,
    categorical_profile,
    numeric_profile,
    read_profile,
)

FLOOR = Thresholds().psi_floor


def by_hand(expected: list[float], actual: list[float]) -> float:
    """sum (a - e) ln(a / e), an empty share counting as the floor."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, FLOOR), max(a, FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def test_psi_is_the_formula_and_zero_for_the_same_shares():
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(by_hand([0.5, 0.5], [0.25, 0.75]))
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0
    # symmetric in its two arguments
    assert psi([0.1, 0.9], [0.4, 0.6]) == pytest.approx(psi([0.4, 0.6], [0.1, 0.9]))


def test_categorical_bins_top_values_other_and_missing():
    reference = pd.Series(["a"] * 6 + ["b"] * 3 + [None], dtype="str")
    profile = categorical_profile("source", reference, top=2)
    assert profile.bin_labels == ["a", "b", OTHER, MISSING]
    assert profile.shares == pytest.approx([0.6, 0.3, 0.0, 0.1])
    new = pd.Series(["a", "a", "b", "b", "c"], dtype="str")  # "c" was never seen: other
    assert list(profile.bin_counts(new)) == [2, 2, 1, 0]
    assert column_psi(profile, new, FLOOR) == pytest.approx(
        by_hand([0.6, 0.3, 0.0, 0.1], [0.4, 0.4, 0.2, 0.0]))


def test_numeric_bins_merge_repeated_quantiles_and_keep_missing_apart():
    reference = pd.Series([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, np.nan], dtype="float64")
    profile = numeric_profile("n_demo_request_30d", reference, bins=5)
    quantiles = np.quantile([0, 0, 0, 0, 0, 0, 1, 2, 3, 4], [0.2, 0.4, 0.6, 0.8])
    assert profile.edges == sorted(set(quantiles.tolist()))  # the zeros share one edge
    counts = profile.bin_counts(reference)
    assert counts[0] == 6 and counts[-1] == 1 and counts.sum() == len(reference)
    # the same values score 0; values all above the top edge put everything in one bin
    assert column_psi(profile, reference, FLOOR) == pytest.approx(0.0, abs=1e-12)
    high = pd.Series([99.0] * 4)
    expected = list(profile.shares)
    actual = [0.0] * (len(expected) - 2) + [1.0, 0.0]
    assert column_psi(profile, high, FLOOR) == pytest.approx(by_hand(expected, actual))


def test_drift_table_judges_only_months_with_enough_leads():
    ref = pd.DataFrame({"source": ["a", "b"] * 50})
    profile = ReferenceProfile([categorical_profile("source", ref["source"])],
                               numeric_profile("score", pd.Series(np.linspace(0, 1, 100))),
                               n_leads=100, label_rate=0.1)
    new = pd.DataFrame({"source": ["a", "b"] * 10 + ["a"] * 20 + ["b"]})  # 20 same, 21 shifted
    month = pd.Series(["2026-01"] * 20 + ["2026-02"] * 20 + ["2026-03"])
    table = drift_table(profile, new, pd.Series(np.linspace(0, 1, 41)), month,
                        Thresholds(min_leads_drift=20))
    source = table[table["column"] == "source"].set_index("month")
    assert source.loc["2026-01", "psi"] == pytest.approx(0.0, abs=1e-12)
    assert source.loc["2026-01", "level"] == "stable"
    assert source.loc["2026-02", "psi"] == pytest.approx(
        by_hand([0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]))
    assert source.loc["2026-02", "level"] == "drift"
    assert source.loc["2026-03", "level"] == "too few leads"  # one lead is not a month
    assert source.loc[ALL, "n"] == 41


def test_profile_round_trips_through_json_and_a_missing_one_asks_to_retrain(tmp_path):
    x = pd.DataFrame({"source": pd.Series(["a", "b", "a", None], dtype="str"),
                      "budget": [1.0, 2.0, np.nan, 4.0]})

    class Half:
        def predict_proba(self, frame):
            return np.column_stack([np.full(len(frame), 0.5), np.full(len(frame), 0.5)])

    from scoring.profile import reference_profile

    profile = reference_profile(x, Half(), pd.Series([0, 1, 0, 0]), data_sha256="abc")
    (tmp_path / PROFILE_FILE).write_text(json.dumps(profile.to_dict()))
    back = read_profile(tmp_path, "abc")
    assert back == ReferenceProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert back.label_rate == 0.25 and back.feature("budget").kind == "numeric"
    with pytest.raises(ProfileError, match="other training data"):
        read_profile(tmp_path, "another")
    with pytest.raises(ProfileError, match="retrain"):
        read_profile(tmp_path / "older-bundle")
