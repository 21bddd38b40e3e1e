"""The drifting demo: the same history before the change date, a shifted one after it, and a
truth that follows what was written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from demodata.drift import DEFAULT_MONTHS_BEFORE, Drift
from demodata.events import generate_demo
from demodata.truth import expit, true_logit

N, SEED = 3000, 5


@pytest.fixture(scope="module")
def pair():
    return generate_demo(N, SEED), generate_demo(N, SEED, drift=Drift())


def test_before_the_change_the_history_is_the_normal_one(pair):
    normal, drifted = pair
    assert drifted.change_at == (drifted.as_of - pd.DateOffset(months=DEFAULT_MONTHS_BEFORE)
                                 ).floor("D")
    before = (normal.leads["mql_at"] < drifted.change_at).to_numpy()
    assert 0 < before.sum() < N
    pd.testing.assert_frame_equal(normal.leads[before], drifted.leads[before])
    pd.testing.assert_frame_equal(normal.outcomes[before], drifted.outcomes[before])
    np.testing.assert_allclose(normal.truth["p_true"][before], drifted.truth["p_true"][before])

    def pre_mql(data):
        a = data.activities
        mql = a["lead_id"].map(data.leads.set_index("lead_id")["mql_at"])
        keep = a["lead_id"].isin(data.leads["lead_id"][before]) & (a["occurred_at"] <= mql)
        return a[keep].reset_index(drop=True)

    pd.testing.assert_frame_equal(pre_mql(normal), pre_mql(drifted))
    assert normal.change_at is None and normal.intercept_shift == 0.0


def test_after_it_sources_behaviour_and_conversion_shift(pair):
    normal, drifted = pair
    after = (drifted.leads["mql_at"] >= drifted.change_at).to_numpy()

    def share(data, source):
        return (data.leads["source"][after] == source).mean()

    assert share(drifted, "social") > share(normal, "social") + 0.2
    assert share(drifted, "referral") < share(normal, "referral")

    def pricing_per_lead(data):
        a, lead_after = data.activities, data.leads["lead_id"][after]
        pre = a["lead_id"].isin(lead_after) & (a["activity_type"] == "pricing_page_view")
        mql = a["lead_id"].map(data.leads.set_index("lead_id")["mql_at"])
        return (pre & (a["occurred_at"] <= mql)).sum() / after.sum()

    assert pricing_per_lead(drifted) < 0.5 * pricing_per_lead(normal)
    assert drifted.truth["p_true"][after].mean() < 0.8 * normal.truth["p_true"][after].mean()


def test_the_truth_is_the_story_plus_the_shift(pair):
    _, drifted = pair
    after = (drifted.leads["mql_at"] >= drifted.change_at).to_numpy()
    logit = true_logit(drifted.leads, drifted.activities).to_numpy()
    np.testing.assert_allclose(
        drifted.truth["p_true"], expit(drifted.intercept + drifted.intercept_shift * after + logit),
        rtol=1e-9)
