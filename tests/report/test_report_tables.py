"""The report's number tables on tiny literal frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from report.tables import (
    LEAD_COLUMNS,
    ReportInputs,
    conversion_by,
    family_importances,
    lift_table,
    score_bands,
)


def leads(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {c: [np.nan] * n for c in LEAD_COLUMNS}
    base.update(mql_at=pd.to_datetime(["2026-01-15"] * n, utc=True), is_test=[True] * n)
    base.update(columns)
    return pd.DataFrame(base, index=pd.Index([f"L{i}" for i in range(n)], name="lead_id"))


def test_size_bands_keep_their_natural_order_and_missing_is_unknown():
    frame = leads(company_size_band=["5000+", "1-10", None, "51-200", "1-10"],
                  label=[1, 0, 1, 0, 1])
    table = conversion_by(frame, "company_size_band")
    assert list(table["company_size_band"]) == ["1-10", "51-200", "5000+", "(unknown)"]
    assert table.set_index("company_size_band").loc["1-10", "rate"] == pytest.approx(0.5)


def test_months_are_chronological_and_sources_by_lead_count():
    frame = leads(mql_at=pd.to_datetime(["2026-03-01", "2025-12-31", "2026-03-09"], utc=True),
                  source=["email", "referral", "referral"], label=[1, 0, 0])
    assert list(conversion_by(frame, "mql_month")["mql_month"]) == ["2025-12", "2026-03"]
    assert list(conversion_by(frame, "source")["source"]) == ["referral", "email"]


@pytest.mark.parametrize(("probability", "band"), [(0.0, "0-10"), (0.094, "0-10"),
                                                  (0.096, "10-20"), (0.795, "80-90"),
                                                  (1.0, "90-100")])
def test_score_bands_follow_the_rounded_score(probability, band):
    table = score_bands(leads(probability=[probability], label=[1]))
    assert list(table["band"]) == [band]


def test_family_groups_put_firmographics_and_demographics_under_fit():
    importances = pd.DataFrame({"family": ["firmographic", "demographic", "behaviour",
                                           "declared"],
                                "importance": [0.1, 0.2, 0.5, -0.1]})
    table = family_importances(importances).set_index("group")["importance"]
    assert table["Fit"] == pytest.approx(0.3)
    assert table["BANT (declared)"] == 0.0
    assert table.index[0] == "Behaviour"


def test_a_perfect_score_puts_every_sql_in_the_top_decile():
    y = np.array([1] * 10 + [0] * 90)
    table = lift_table(y, {"perfect": y.astype(float)})
    assert table.loc[0, "perfect"] == 1.0
    assert table["perfect"].iloc[1:].sum() == 0.0


def test_report_inputs_refuse_a_frame_without_the_columns_they_need():
    with pytest.raises(ValueError, match="probability"):
        ReportInputs(leads(label=[1]).drop(columns="probability"), pd.DataFrame(), {})
