"""The one bounded, timezone-aware date parse of the product, for files and requests alike.

* **The accepted window** (:class:`DateWindow`, default 1990-01-01T00:00:00Z to
  2100-12-31T23:59:59.999999Z, both ends included, compared after time-zone normalisation): a
  date outside it is a typing or integration error, refused and never scored, never cast into
  range (a nanosecond cast wraps year 9999 to 1815 silently). One rule for every date field of
  every path (files, flat exports, requests, Spark workers): files reject the row with a reason
  naming the column and the window; a request's lead gets its own error naming the field and
  the window. The window is set once per process by its entry point (``configure_window``,
  from ``LEADCONV_DATE_MIN`` / ``LEADCONV_DATE_MAX``); it may never reach outside years
  ``MIN_YEAR``-``MAX_YEAR``, the range a nanosecond timestamp holds.
* **ISO 8601** (``2026-03-04``, ``2026-03-04T10:15:00Z``, ``...+02:00``): with an offset,
  converted to UTC; without one, taken as UTC.
* **Files only**: ``14/03/2026``, ``3/14/2026 9:05 AM``, ``14.03.2026`` (Excel and European
  exports). Day-first or month-first is decided per column from its values: a first number above
  12 means day-first, a second number above 12 month-first; both seen is an error naming the
  column and one example of each; neither seen, while some values read differently both ways, is
  an error asking for ``--dayfirst`` or ``--monthfirst`` (``order``), which also forces it.
* **Excel serial numbers** (``46095.38``) are refused with a reason that says what they are and
  what they would mean: a bare number in a date column may as well be a Unix time, a 1904-system
  serial or a count, and requests refuse numbers for the same reason.
* **Requests** (:func:`parse_instant`): ISO 8601 *strings* only; a number is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
import pandas as pd

from features.rejects import ContractError

MIN_YEAR = 1700  # the widest window a setting may ask for (nanosecond timestamps hold 1678-2261)
MAX_YEAR = 2250
DATE_HINT = "expected ISO 8601, e.g. 2026-03-04 or 2026-03-04T10:15:00Z"
ORDER_HELP = "pass --dayfirst or --monthfirst"
WINDOW_SETTINGS = "LEADCONV_DATE_MIN, LEADCONV_DATE_MAX"


@dataclass(frozen=True)
class DateWindow:
    """The dates accepted anywhere, in UTC, both ends included."""

    low: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    high: datetime = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

    def __post_init__(self) -> None:
        for end in (self.low, self.high):
            if end.tzinfo is None:
                raise ValueError(f"the date window's ends are UTC instants, got {end!r}")
            if not MIN_YEAR <= end.astimezone(UTC).year <= MAX_YEAR:
                raise ValueError(f"the date window must lie within the years "
                                 f"{MIN_YEAR}-{MAX_YEAR}, got {end.isoformat()}")
        if self.low >= self.high:
            raise ValueError(f"the date window is empty: {self.low.isoformat()} is not before "
                             f"{self.high.isoformat()}")

    @classmethod
    def from_text(cls, low: str, high: str) -> DateWindow:
        """A window from ISO 8601 texts (``LEADCONV_DATE_MIN``/``_MAX``): a date alone means
        the start of that day for ``low`` and its end for ``high``; without an offset, UTC."""
        def instant(text: str, end_of_day: bool) -> datetime:
            stamp = pd.Timestamp(text.strip())
            stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
            if end_of_day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
                stamp += pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
            return stamp.to_pydatetime()

        try:
            return cls(instant(low, False), instant(high, True))
        except (ValueError, OverflowError) as exc:
            raise ValueError(f"the date window {low!r} to {high!r} ({WINDOW_SETTINGS}) is not "
                             f"usable: {exc}") from exc

    def contains(self, moment: datetime) -> bool:
        return self.low <= moment.astimezone(UTC) <= self.high

    def describe(self) -> str:
        """``1990-01-01T00:00:00Z to 2100-12-31T23:59:59Z (UTC; LEADCONV_DATE_MIN, ...)``."""
        def show(end: datetime) -> str:
            return end.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")

        return f"{show(self.low)} to {show(self.high)} (UTC; {WINDOW_SETTINGS})"


DEFAULT_WINDOW = DateWindow()
_window = DEFAULT_WINDOW


def configure_window(window: DateWindow) -> DateWindow:
    """Set the process's accepted dates (entry points only: the service, the command line, a
    Spark worker); returns the window it replaces."""
    global _window
    previous, _window = _window, window
    return previous


def current_window() -> DateWindow:
    """The accepted dates of this process (``DEFAULT_WINDOW`` unless an entry point set it)."""
    return _window

Order = Literal["dayfirst", "monthfirst"]
ORDERS: tuple[Order, ...] = ("dayfirst", "monthfirst")

ISO = re.compile(r"^(?P<year>[+-]?\d{4,})-\d{1,2}-\d{1,2}"
                 r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?\s*(?:Z|z|[+-]\d{2}(?::?\d{2})?)?$")
_SLASH = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T]+(.*))?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$")
_SERIAL = re.compile(r"^\d{1,7}(?:\.\d+)?$")
_EXCEL_EPOCH = datetime(1899, 12, 30)  # the 1900 system, leap-year bug included
_EXCEL_MAX = 2_958_465  # 9999-12-31


class DateError(ValueError):
    """One value is not a usable date; ``kind`` is a short machine-readable name."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def out_of_range(year: int) -> bool:
    """Whether a year is outside what any window may hold (checked before parsing)."""
    return not MIN_YEAR <= year <= MAX_YEAR


OUTSIDE = "is outside the accepted dates"


def outside_message(shown: str, window: DateWindow | None = None) -> str:
    """``'9999-01-01' is outside the accepted dates, 1990-01-01T00:00:00Z to ...``."""
    return f"{shown} {OUTSIDE}, {(window or current_window()).describe()}"


def excel_serial_reason(text: str) -> str:
    """What a number in a date column is, in words (a reason for a rejected row)."""
    value = float(text)
    if 1 <= value <= _EXCEL_MAX:
        meant = (_EXCEL_EPOCH + timedelta(days=value)).strftime("%Y-%m-%d %H:%M")
        return (f"'{text}' is a number, not a date: an Excel serial date number would be {meant} "
                f"in Excel's 1900 date system; export the column formatted as dates ({DATE_HINT})")
    return f"'{text}' is a number, not a date ({DATE_HINT})"


# --- one value: requests --------------------------------------------------------------------
def parse_instant(value: object) -> datetime:
    """One ISO 8601 date-time (a string, or an aware or naive datetime) as an aware UTC datetime.

    Raises:
        DateError: not a string, not ISO 8601, or outside the accepted window
            (``current_window``) once in UTC.
    """
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str):
        shown = ("a boolean" if isinstance(value, bool) else "a number"
                 if isinstance(value, int | float) else type(value).__name__)
        raise DateError("datetime_type", f"a date-time is an ISO 8601 string such as "
                                         f"2026-03-04T10:15:00Z, not {shown}")
    else:
        text = value.strip()
        match = ISO.match(text)
        if not text or match is None:
            raise DateError("datetime_from_date_parsing",
                            f"not a date-time ({DATE_HINT})" if text else "empty date-time")
        if out_of_range(int(match["year"])):
            raise DateError("date_out_of_range", outside_message(repr(text)))
        try:
            parsed = pd.Timestamp(text).to_pydatetime()
        except (ValueError, OverflowError) as exc:
            raise DateError("datetime_from_date_parsing",
                            f"not a date-time ({exc}; {DATE_HINT})") from exc
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    if not current_window().contains(parsed):
        raise DateError("date_out_of_range", outside_message(
            f"{value!r} ({parsed.isoformat()} in UTC)" if isinstance(value, str)
            else parsed.isoformat()))
    return parsed


# --- a column: files ------------------------------------------------------------------------
@dataclass(frozen=True)
class ParsedDates:
    """A parsed column: ``values`` (tz-aware UTC, NaT where blank or bad), ``bad`` (non-blank
    values that are not usable dates), ``reasons`` (why, for the bad rows) and ``note`` (how
    the column was read, e.g. day-first, for the console and the log; None for plain ISO)."""

    values: pd.Series
    bad: np.ndarray
    reasons: pd.Series
    note: str | None
    evidence: tuple[Order, str] | None = None  # the order its own values showed, an example


@dataclass
class DateReading:
    """How the dates of one export are read: a forced ``order`` (``--dayfirst``), the ``notes``
    saying how each column was read, and the order each column showed by its own values
    (``seen``): evidence for a column of the same export whose values show none."""

    order: Order | None = None
    notes: list[str] = field(default_factory=list)
    seen: dict[str, tuple[Order, str]] = field(default_factory=dict)

    def fallback(self) -> tuple[Order, str] | None:
        """The order the other columns agree on, with where it was seen; None if none or mixed."""
        if len({order for order, _ in self.seen.values()}) != 1:
            return None
        column, (order, example) = next(iter(self.seen.items()))
        return order, f"{column}, where {example} was seen"


def _order_evidence(first: pd.Series, second: pd.Series, text: pd.Series
                    ) -> tuple[str | None, str | None, str | None]:
    """(a day-first example, a month-first example, an example that reads two ways)."""
    day = text[first > 12]
    month = text[second > 12]
    both_ways = text[(first <= 12) & (second <= 12) & (first != second)]
    pick = (lambda s: str(s.iloc[0]) if len(s) else None)  # noqa: E731
    return pick(day), pick(month), pick(both_ways)


def decide_order(column: str, first: pd.Series, second: pd.Series, text: pd.Series,
                 order: Order | None, strict: bool = True,
                 fallback: tuple[Order, str] | None = None) -> tuple[Order | None, str | None]:
    """Day-first or month-first for one column of ``a/b/yyyy`` values, and the note saying why.
    When its values show neither, the ``fallback`` (the order another date column of the same
    export showed) decides; None when still undecidable and some values read two ways while
    ``strict`` is False.

    Raises:
        ContractError: both orders are seen, or (``strict``) neither is and some values read
            two ways (unless ``order`` forces one).
    """
    day, month, two_ways = _order_evidence(first, second, text)
    if order is not None:
        return order, f"{column}: read as {order.replace('first', '-first')} (as told)"
    if day is not None and month is not None:
        raise ContractError(f"{column}: dates are written both day-first ({day!r}) and "
                            f"month-first ({month!r}); fix the export or {ORDER_HELP}")
    if day is not None:
        return "dayfirst", f"{column}: read as day-first ({day} seen)"
    if month is not None:
        return "monthfirst", f"{column}: read as month-first ({month} seen)"
    if two_ways is not None and fallback is not None:
        return fallback[0], (f"{column}: read as {fallback[0].replace('first', '-first')} like "
                             f"{fallback[1]}")
    if two_ways is not None and not strict:
        return None, (f"{column}: dates such as {two_ways!r} could be day-first or month-first "
                      f"(no day above 12 seen): those rows are rejected; {ORDER_HELP}")
    if two_ways is not None:
        raise ContractError(f"{column}: cannot tell whether dates such as {two_ways!r} are "
                            f"day-first or month-first (no day above 12 seen); {ORDER_HELP}")
    return "monthfirst", None  # every value reads the same both ways


def _clock(rest: pd.Series) -> pd.Series:
    """``9:05 AM`` / ``21:05:30`` -> ``T21:05:30`` (missing where it is not a clock)."""
    parts = rest.str.extract(_CLOCK)
    hour = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64")
    half = parts[3].str.lower().fillna("").to_numpy(dtype=object)
    twelve = (half != "") & (hour > 12)
    hour = np.where((half == "am") & (hour == 12), 0, hour)
    hour = np.where((half == "pm") & (hour < 12), hour + 12, hour)
    ok = ~np.isnan(hour) & (hour < 24) & ~twelve
    hours = pd.Series(np.where(ok, hour, 0).astype(int), index=rest.index).astype("str")
    text = "T" + hours.str.zfill(2) + ":" + parts[1] + ":" + parts[2].fillna("00")
    return text.where(ok)


def parse_dates(text: pd.Series, column: str, order: Order | None = None, *,
                strict: bool = True, fallback: tuple[Order, str] | None = None) -> ParsedDates:
    """Parse a text column of dates (see the module doc), never outside the bounds.

    Args:
        text: stripped text, blanks missing.
        column: its name, for notes and errors.
        order: force day-first or month-first for ``a/b/yyyy`` values.
        strict: when the order cannot be decided and matters, raise (a flat export's time
            column: the split depends on it); when False, reject the values that read two ways
            (rows of an event-shape table).
        fallback: the order another date column of the export showed, with where (used when
            this column's values show none).

    Raises:
        ContractError: the day/month order of the column cannot be decided (see
            :func:`decide_order`).
    """
    text = text.astype("str").where(text.notna()).str.strip()
    blank = text.isna() | text.eq("")
    iso = text.str.match(ISO).fillna(False) & ~blank
    parts = text.str.extract(_SLASH)
    slash = parts[0].notna() & ~iso & ~blank
    note = None
    evidence: tuple[Order, str] | None = None
    iso_text = text.where(iso)
    if slash.any():
        first = pd.to_numeric(parts.loc[slash, 0])
        second = pd.to_numeric(parts.loc[slash, 2])
        chosen, note = decide_order(column, first, second, text[slash], order, strict, fallback)
        if order is None and chosen is not None and note and note.endswith(" seen)"):
            evidence = (chosen, note[note.rindex("(") + 1:-len(" seen)")])
        day, month = (first, second) if chosen == "dayfirst" else (second, first)
        if chosen is None:  # undecidable: only the values that read the same both ways are dates
            same = first == second
            day, month = first.where(same, 0), second.where(same, 0)
        year = parts.loc[slash, 3].where(parts.loc[slash, 3].str.len() == 4,
                                         "20" + parts.loc[slash, 3])
        rest = parts.loc[slash, 4]
        clock = _clock(rest.fillna(""))
        good_rest = rest.isna() | rest.str.strip().eq("") | clock.notna()
        rebuilt = (year + "-" + month.astype("int").astype("str").str.zfill(2) + "-"
                   + day.astype("int").astype("str").str.zfill(2) + clock.fillna(""))
        iso_text = iso_text.where(~slash, rebuilt.where(good_rest).reindex(text.index))
    years = pd.to_numeric(iso_text.str.extract(r"^([+-]?\d+)-", expand=False), errors="coerce")
    outside = years.notna() & ~years.between(MIN_YEAR, MAX_YEAR)
    parsed = pd.to_datetime(iso_text.where(~outside), utc=True, errors="coerce",
                            format="ISO8601")
    if parsed.dtype.kind != "M":  # every value blank or refused
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    window = current_window()
    edge = parsed.notna() & ((parsed < pd.Timestamp(window.low))
                             | (parsed > pd.Timestamp(window.high)))
    outside |= edge
    parsed = parsed.where(~edge)
    bad = (parsed.isna() & ~blank).to_numpy()
    reasons = pd.Series("", index=text.index, dtype="str")
    shown = text.fillna("")
    reasons[bad] = f"{column}: unparsable date '" + shown[bad] + f"' ({DATE_HINT})"
    reasons[outside.to_numpy()] = (f"{column}: date '" + shown[outside.to_numpy()]
                                   + "' " + f"{OUTSIDE}, {window.describe()}")
    if note is not None and "could be" in note:
        two = (slash & (parts[0] != parts[2])).to_numpy() & bad & ~outside.to_numpy()
        reasons[two] = (f"{column}: unparsable date '" + shown[two] + "': day-first or "
                        f"month-first? (no day above 12 seen in the column); {ORDER_HELP}")
    serial = bad & text.str.match(_SERIAL).fillna(False).to_numpy()
    if serial.any():
        reasons[serial] = [f"{column}: {excel_serial_reason(v)}" for v in text[serial]]
    return ParsedDates(parsed, bad, reasons, note, evidence)


def parse_order(dayfirst: bool, monthfirst: bool) -> Order | None:
    """The CLI's ``--dayfirst`` / ``--monthfirst`` flags as an order (None: decide from values)."""
    if dayfirst and monthfirst:
        raise ContractError("--dayfirst and --monthfirst exclude each other")
    return "dayfirst" if dayfirst else "monthfirst" if monthfirst else None


__all__ = ["DATE_HINT", "DEFAULT_WINDOW", "OUTSIDE", "DateError", "DateReading", "DateWindow",
           "MAX_YEAR", "MIN_YEAR", "Order", "ParsedDates", "configure_window", "current_window",
           "decide_order", "outside_message", "parse_dates", "parse_instant", "parse_order"]
