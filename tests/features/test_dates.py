"""The one bounded date parse: ISO 8601 with offsets to UTC, never a wrapped date, day-first or
month-first decided from the values, Excel serial numbers named for what they are."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import ContractError
from features.dates import (
    DEFAULT_WINDOW,
    DateError,
    DateWindow,
    configure_window,
    current_window,
    parse_dates,
    parse_instant,
)


def _parse(*values: str | None, order=None, strict: bool = True, fallback=None):
    return parse_dates(pd.Series(list(values), dtype="str"), "created_date", order,
                       strict=strict, fallback=fallback)


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-03-04", "2026-03-04T00:00:00+00:00"),
    ("2026-03-04T12:15:00+02:00", "2026-03-04T10:15:00+00:00"),
    ("2026-03-04 10:15", "2026-03-04T10:15:00+00:00"),
    ("2100-12-31T23:59:59Z", "2100-12-31T23:59:59+00:00"),
])
def test_iso_values_are_read_as_utc_the_same_in_files_and_requests(value, expected):
    assert _parse(value).values.iloc[0].isoformat() == expected
    assert parse_instant(value).isoformat() == expected


@pytest.mark.parametrize("value", [
    "9999-01-01", "0001-01-01T00:00:00+14:00", "1900-01-01T00:00:00Z", "2201-01-01",
    "1989-12-31T23:59:59Z",  # a second before the window
    "2101-01-01T00:00:00Z",  # a second after its last second
    "1990-01-01T00:59:59+01:00",  # inside by its clock, a second before once in UTC
    "2100-12-31T23:00:00-01:00",  # 2101-01-01T00:00:00Z
])
def test_dates_outside_the_window_are_refused_naming_it_never_wrapped(value):
    parsed = _parse(value)
    assert parsed.bad.tolist() == [True] and pd.isna(parsed.values.iloc[0])
    reason = parsed.reasons.iloc[0]
    assert reason.startswith(f"created_date: date '{value}' is outside the accepted dates")
    assert "1990-01-01T00:00:00Z to 2100-12-31T23:59:59Z" in reason
    assert "LEADCONV_DATE_MIN" in reason
    with pytest.raises(DateError, match="outside the accepted dates, 1990-01-01") as caught:
        parse_instant(value)
    assert caught.value.kind == "date_out_of_range"


@pytest.mark.parametrize("value", ["1990-01-01T00:00:00Z", "1990-01-01T01:00:00+01:00",
                                   "2100-12-31T23:59:59Z", "2100-12-31T23:59:59.999Z"])
def test_the_window_s_own_edges_are_accepted(value):
    assert not _parse(value).bad.any()
    assert DEFAULT_WINDOW.contains(parse_instant(value))


@pytest.fixture
def narrow_window():
    previous = configure_window(DateWindow.from_text("2020-01-01", "2030-06-30"))
    yield current_window()
    configure_window(previous)


def test_a_configured_window_applies_to_files_and_requests_alike(narrow_window):
    assert narrow_window.high.isoformat() == "2030-06-30T23:59:59.999999+00:00"  # the whole day
    parsed = _parse("2019-12-31T23:59:59Z", "2020-01-01", "2030-06-30T23:59:59Z", "2030-07-01")
    assert parsed.bad.tolist() == [True, False, False, True]
    assert "2020-01-01T00:00:00Z to 2030-06-30T23:59:59Z" in parsed.reasons.iloc[0]
    with pytest.raises(DateError, match="outside the accepted dates, 2020-01-01T00:00:00Z"):
        parse_instant("2030-07-01T00:00:00Z")
    assert parse_instant("2030-06-30T23:59:59Z").year == 2030


@pytest.mark.parametrize(("low", "high", "message"), [
    ("2030-01-01", "2020-01-01", "is empty"), ("1066-10-14", "2020-01-01", "within the years"),
    ("soon", "2020-01-01", "not usable")])
def test_an_unusable_window_is_refused_naming_the_settings(low, high, message):
    with pytest.raises(ValueError, match=message):
        DateWindow.from_text(low, high)


@pytest.mark.parametrize("value", [0, 45901, 1.7e9, True])
def test_requests_refuse_numbers_as_dates(value):
    with pytest.raises(DateError, match="ISO 8601 string") as caught:
        parse_instant(value)
    assert caught.value.kind == "datetime_type"


def test_day_first_is_decided_from_a_day_above_12_and_said():
    parsed = _parse("31/01/2026", "02/03/2026 9:05 PM", None)
    assert parsed.note == "created_date: read as day-first (31/01/2026 seen)"
    assert [str(v) for v in parsed.values] == ["2026-01-31 00:00:00+00:00",
                                               "2026-03-02 21:05:00+00:00", "NaT"]


def test_month_first_is_decided_from_a_second_number_above_12():
    parsed = _parse("3/14/2026 9:05 AM", "01/02/2026")
    assert parsed.note == "created_date: read as month-first (3/14/2026 9:05 AM seen)"
    assert str(parsed.values.iloc[1]) == "2026-01-02 00:00:00+00:00"


def test_both_orders_in_one_column_is_an_error_naming_both():
    with pytest.raises(ContractError, match=r"created_date: .*day-first \('31/01/2026'\) and "
                                            r"month-first \('01/31/2026'\)"):
        _parse("31/01/2026", "01/31/2026")


def test_undecidable_order_asks_for_an_option_or_rejects_only_the_values_that_differ():
    with pytest.raises(ContractError, match="--dayfirst or --monthfirst"):
        _parse("01/02/2026", "03/04/2026")
    lenient = _parse("01/02/2026", "05/05/2026", strict=False)
    assert lenient.bad.tolist() == [True, False]
    assert "day-first or month-first?" in lenient.reasons.iloc[0]
    forced = _parse("01/02/2026", order="dayfirst")
    assert str(forced.values.iloc[0]) == "2026-02-01 00:00:00+00:00"


def test_excel_serial_numbers_are_refused_saying_what_they_would_be():
    parsed = _parse("46095.38")
    assert parsed.bad.tolist() == [True]
    assert "Excel serial date number would be 2026-03-14 09:07" in parsed.reasons.iloc[0]


def test_a_column_without_evidence_follows_the_order_another_column_showed():
    parsed = _parse("01/02/2026", fallback=("dayfirst", "mql_at, where 31/01/2026 was seen"))
    assert parsed.note == ("created_date: read as day-first like mql_at, where 31/01/2026 was "
                           "seen")
    assert str(parsed.values.iloc[0]) == "2026-02-01 00:00:00+00:00"
