"""Evaluation metrics on small hand-checked examples."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.metrics import expected_calibration_error, reliability_table, top_decile


def test_ece_is_zero_when_each_bin_matches_its_rate():
    p = np.array([0.25] * 4 + [0.75] * 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    assert expected_calibration_error(y, p, bins=10) == pytest.approx(0.0)


def test_ece_weights_bin_gaps_by_their_share():
    p = np.array([0.1] * 5 + [0.9] * 5)
    y = np.array([0] * 5 + [1] * 5)           # gaps 0.1 and 0.1
    assert expected_calibration_error(y, p, bins=10) == pytest.approx(0.1)
    table = reliability_table(y, p, bins=10)
    assert table["n"].sum() == 10 and table.loc[9, "observed_rate"] == 1.0


def test_probability_one_falls_in_the_last_bin():
    table = reliability_table(np.array([1]), np.array([1.0]), bins=10)
    assert table.loc[9, "n"] == 1


def test_top_decile_shares_out_ties_at_the_cut():
    y = np.array([1] * 2 + [0] * 18)
    score = np.array([5, 5, 5, 5] + [1] * 16)  # 4 tied at the top, 2 of them converted
    rate, lift = top_decile(y, score)          # top 2 of 20, drawn from the tied 4
    assert rate == pytest.approx(0.5)
    assert lift == pytest.approx(0.5 / 0.1)
