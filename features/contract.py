"""The data contract: load the CRM export's three tables, validate them, and account for every row.

Event shape (see README "Data contract"): ``leads``, ``activities`` and ``outcomes``, each as
``<name>.csv`` or ``<name>.parquet`` in one folder (``load_crm``), or as three pandas DataFrames
already in memory (``validate_frames``). ``load_crm`` reads the files and hands them to
``validate_frames``: one set of rules for both.

Timestamps: ISO 8601 text (``2026-03-04``, ``2026-03-04T10:15:00Z``, ``...+02:00``). Values with an
offset are converted to UTC; values without one are taken as UTC. In memory every timestamp is a
timezone-aware UTC ``datetime64``.

Problems are of two kinds:

* structural (a missing file or required column, a file that is mostly unusable): a
  :class:`ContractError` naming the file, the column and, where there is one, the first bad row;
* row-level (an unparsable date, a duplicate ``lead_id``, an activity of an unknown lead, a negative
  company size, ...): the row is *rejected*, never silently dropped (``features.rejects``). Each
  rejected row is one line of :attr:`LoadReport.rejects` with the file (or table name), the row
  (1-based data row; ``line`` is the CSV line, header = line 1), the column, the value and the
  reason, and the counts always add up: ``loaded == used + rejected`` per file.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from features import vocab
from features.dates import OUTSIDE, DateReading, Order, parse_dates
from features.prescan import (
    DEFAULT_LIMITS,
    FileLimits,
    bad_rows_message,
    check_header,
    count_bad_rows,
    delimiter_hint,
    one_line,
    prescan,
    read_header,
)
from features.rejects import ContractError, LoadReport, RowTable, account
from features.vocab import STAGE_ALIASES

__all__ = ["ContractError", "CrmData", "LoadReport", "load_crm", "validate_frames"]

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".parquet")
TABLES = ("leads", "activities", "outcomes")
# The name each table goes by in errors and rejects (``load_crm`` passes the file names).
DEFAULT_NAMES: Mapping[str, str] = MappingProxyType({t: t for t in TABLES})
# Tables that may hold no rows at all (no activity or no outcome yet); leads may not.
MAY_BE_EMPTY = ("activities", "outcomes")


@dataclass(frozen=True)
class CrmData:
    """The validated event-shape tables. Timestamps are tz-aware UTC; ids are strings."""

    leads: pd.DataFrame
    activities: pd.DataFrame
    outcomes: pd.DataFrame
    as_of: pd.Timestamp
    report: LoadReport
    source_dir: Path | None = None


def find_table(data_dir: Path, name: str) -> Path | None:
    """Return ``data_dir/name.csv`` or ``.parquet`` (error if both exist), or None."""
    found = [data_dir / f"{name}{s}" for s in SUFFIXES if (data_dir / f"{name}{s}").exists()]
    if len(found) > 1:
        raise ContractError(f"{data_dir}: both {found[0].name} and {found[1].name} exist; keep one")
    return found[0] if found else None


def read_table(path: Path, limits: FileLimits = DEFAULT_LIMITS) -> pd.DataFrame:
    """Read a CSV or Parquet file as text columns (validation parses them), blanks as missing.

    The file is pre-scanned first (size, NUL bytes, overlong lines; ``features.prescan``) and a
    CSV header is checked for duplicate names and a wrong delimiter.
    """
    is_csv = path.suffix != ".parquet"
    prescan(path, limits, text=is_csv)
    if is_csv:
        check_header(read_header(path), path.name)
    try:
        if not is_csv:
            return as_text(pd.read_parquet(path), path.name)
        frame = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""],
                            skipinitialspace=True)
    except pd.errors.ParserError as exc:
        width, bad, n = count_bad_rows(path.read_text(encoding="utf-8", errors="replace"), ",")
        if bad:
            raise ContractError(bad_rows_message(path.name, width, bad, n, ",")) from exc
        raise ContractError(f"{path.name}: cannot be read: {one_line(exc)}") from exc
    except (OSError, ValueError) as exc:
        raise ContractError(f"{path.name}: cannot be read: {one_line(exc)}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if is_csv and (hint := delimiter_hint(list(frame.columns), ",")):
        raise ContractError(f"{path.name}: read as one column {frame.columns[0][:80]!r}{hint}")
    return frame


def as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A text copy of ``frame`` as validation reads it; ``frame`` itself is not modified.

    Every column that is not text becomes text (timestamps as ISO 8601 UTC
    ``2026-03-04T10:15:00Z``, numbers as ``40000.0``), missing values stay missing; column names
    are trimmed and must be unique; the index becomes 0..n-1 (rejects name rows by position,
    1-based).
    """
    check_header(list(frame.columns), name)
    out = frame.reset_index(drop=True)  # a new frame: the caller's is never written to
    out.columns = [str(c).strip() for c in out.columns]
    for i, dtype in enumerate(out.dtypes):
        if dtype != "str":
            column = out.iloc[:, i]
            text = (_datetime_text(column) if pd.api.types.is_datetime64_any_dtype(dtype)
                    else column.astype("str"))
            out.isetitem(i, text.where(column.notna()))
    return out


def _datetime_text(column: pd.Series) -> pd.Series:
    """Timestamps as ISO 8601 UTC text (``2026-03-04T10:15:00Z``; fractions of a second only
    when some value has them, never rounded); timestamps without a zone are taken as UTC, as in
    files."""
    if column.dt.tz is not None:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    values = column.to_numpy()
    seconds = values.astype("datetime64[s]")
    if ((seconds == values) | np.isnat(values)).all():
        values = seconds
    text = np.datetime_as_string(values, timezone="UTC")  # at the values' own unit
    return pd.Series(text, index=column.index, dtype="str")


def require_columns(table: RowTable, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in table.frame.columns]
    if missing:
        found = ", ".join(table.frame.columns) or "none"
        raise ContractError(
            f"{table.name}: missing required column(s) {', '.join(map(repr, missing))} "
            f"(found: {found})")


def _strip(series: pd.Series) -> pd.Series:
    return series.str.strip().replace("", np.nan)


def normalise_label(series: pd.Series) -> pd.Series:
    """Lower-case snake_case category text: ' Paid Search' -> 'paid_search'; blanks -> missing."""
    return _strip(series).str.lower().str.replace(r"[\s\-/]+", "_", regex=True)


def parse_timestamps(table: RowTable, column: str, required: bool,
                     reading: DateReading | None = None) -> pd.Series:
    """Parse dates to UTC with ``features.dates.parse_dates`` (bounded, ISO 8601 or a day/month
    order decided from the column); reject blank (if required), unparsable and out-of-range
    values, with a reason naming the column. ``reading`` forces the day/month order, takes the
    note saying how the column was read and the order its values showed (evidence for the next
    date columns of the export)."""
    reading = reading or DateReading()
    text = _strip(table.frame[column]) if column in table.frame.columns else pd.Series(
        np.nan, index=table.frame.index, dtype="str")
    try:
        dates = parse_dates(text, column, reading.order, strict=False,
                            fallback=reading.fallback())
    except ContractError as exc:
        raise ContractError(f"{table.name}: {exc}") from exc
    if dates.evidence is not None:
        reading.seen[column] = dates.evidence
    if dates.note:
        reading.notes.append(f"{table.name}: {dates.note}")
        logger.info("%s: %s", table.name, dates.note)
    blank = text.isna().to_numpy()
    if required:
        table.reject(blank, column, f"{column} is blank", "blank")
    if dates.bad.any():
        kinds = dates.reasons.str.contains(OUTSIDE, regex=False)
        table.reject(dates.bad & kinds.to_numpy(), column, dates.reasons, "date out of range")
        table.reject(dates.bad & ~kinds.to_numpy(), column, dates.reasons, "unparsable date")
    return dates.values


def parse_amounts(table: RowTable, column: str) -> pd.Series:
    """Parse a non-negative number, allowing '$40,000'-style text; blanks stay missing."""
    if column not in table.frame.columns:
        return pd.Series(np.nan, index=table.frame.index)
    text = _strip(table.frame[column])
    cleaned = text.str.replace(r"[$€£,\s]", "", regex=True)
    parsed = pd.to_numeric(cleaned, errors="coerce")
    blank = text.isna().to_numpy()
    table.reject(parsed.isna().to_numpy() & ~blank, column,
                 "not a number: '" + text.fillna("") + "'", "not a number")
    table.reject((parsed < 0).to_numpy(), column,
                 f"{column} is negative: '" + text.fillna("") + "'", "negative")
    return parsed.astype("float64")


def reject_duplicates(table: RowTable, column: str = "lead_id") -> None:
    ids = table.frame[column]
    dup = ids.duplicated(keep="first").to_numpy() & table.alive
    if dup.any():
        # dropna=False: a blank id elsewhere in the table must not make the rows floats ("1.0")
        first_row = pd.Series(np.arange(1, len(ids) + 1), index=ids.index).groupby(
            ids, dropna=False).transform("min")
        reason = ("duplicate lead_id '" + ids.fillna("") + "' (first seen at row "
                  + first_row.astype("str") + ")")
        table.reject(dup, column, reason, "duplicate lead_id")


def validate_leads(table: RowTable, reading: DateReading | None = None) -> pd.DataFrame:
    """Parse and check the leads table; returns typed columns for every row (alive or not).
    ``reading``: how dates are read (``features.dates.DateReading``)."""
    require_columns(table, vocab.LEADS_REQUIRED)
    raw = table.frame
    out = pd.DataFrame(index=raw.index)
    out["lead_id"] = _strip(raw["lead_id"])
    table.frame = table.frame.assign(lead_id=out["lead_id"])
    table.reject(out["lead_id"].isna().to_numpy(), "lead_id", "lead_id is blank", "blank")
    reject_duplicates(table)
    out["mql_at"] = parse_timestamps(table, "mql_at", required=True, reading=reading)
    out["source"] = normalise_label(raw["source"])
    for column in ("industry", "department"):
        out[column] = normalise_label(raw[column]) if column in raw.columns else np.nan
    out["country"] = _strip(raw["country"]).str.upper() if "country" in raw.columns else np.nan
    for column in ("job_title", "pain_point"):
        out[column] = _strip(raw[column]) if column in raw.columns else np.nan
    out["purchase_timeframe"] = (_strip(raw["purchase_timeframe"]).str.lower()
                                 if "purchase_timeframe" in raw.columns else np.nan)
    for column in ("company_size", "annual_revenue", "budget"):
        out[column] = parse_amounts(table, column)
    known = set(vocab.LEADS_REQUIRED) | set(vocab.LEADS_OPTIONAL)
    for column in raw.columns:
        if column not in known:
            out[column] = raw[column]  # carried (contact data, custom fields), never a feature
    return out


def _child_lead_ids(table: RowTable, lead_ids: pd.Index, rejected_ids: set[str]) -> pd.DataFrame:
    """Start a frame for a table keyed by its lead: reject blank, rejected and unknown leads."""
    out = pd.DataFrame(index=table.frame.index)
    out["lead_id"] = _strip(table.frame["lead_id"])
    table.frame = table.frame.assign(lead_id=out["lead_id"])
    table.reject(out["lead_id"].isna().to_numpy(), "lead_id", "lead_id is blank", "blank")
    table.reject(out["lead_id"].isin(rejected_ids).to_numpy(), "lead_id",
                 "its lead was rejected in the leads table", "lead rejected")
    table.reject(~out["lead_id"].isin(lead_ids).to_numpy(), "lead_id",
                 "lead_id '" + out["lead_id"].fillna("") + "' is not in the leads table",
                 "unknown lead_id")
    return out


def validate_activities(table: RowTable, lead_ids: pd.Index, rejected_ids: set[str],
                        reading: DateReading | None = None) -> pd.DataFrame:
    require_columns(table, vocab.ACTIVITIES_REQUIRED)
    raw = table.frame
    out = _child_lead_ids(table, lead_ids, rejected_ids)
    out["occurred_at"] = parse_timestamps(table, "occurred_at", required=True, reading=reading)
    out["activity_type"] = normalise_label(raw["activity_type"])
    table.reject(out["activity_type"].isna().to_numpy(), "activity_type", "activity_type is blank",
                 "blank")
    stage_text = (_strip(raw["content_stage"]).str.lower() if "content_stage" in raw.columns
                  else pd.Series(np.nan, index=raw.index, dtype="str"))
    out["content_stage"] = stage_text.map(STAGE_ALIASES)
    bad_stage = stage_text.notna().to_numpy() & out["content_stage"].isna().to_numpy()
    table.reject(bad_stage, "content_stage", "content_stage '" + stage_text.fillna("")
                 + "' is not top, middle or bottom", "unknown content_stage")
    return out


def validate_outcomes(table: RowTable, mql_at: pd.Series, rejected_ids: set[str],
                      reading: DateReading | None = None) -> pd.DataFrame:
    require_columns(table, vocab.OUTCOMES_REQUIRED)
    out = _child_lead_ids(table, pd.Index(mql_at.index), rejected_ids)
    reject_duplicates(table)
    out["sql_at"] = parse_timestamps(table, "sql_at", required=False, reading=reading)
    out["disqualified_at"] = parse_timestamps(table, "disqualified_at", required=False,
                                              reading=reading)
    lead_mql = mql_at.reindex(out["lead_id"]).set_axis(out.index)
    table.reject((out["sql_at"] < lead_mql).to_numpy(), "sql_at",
                 "sql_at is before the lead's mql_at", "sql before mql")
    table.reject((out["disqualified_at"] < lead_mql).to_numpy(), "disqualified_at",
                 "disqualified_at is before the lead's mql_at", "disqualified before mql")
    return out


def load_outcomes(path: str | Path, *, date_order: Order | None = None,
                  max_reject_fraction: float = 0.5,
                  limits: FileLimits = DEFAULT_LIMITS) -> tuple[pd.DataFrame, LoadReport]:
    """An outcomes table on its own, without its leads (``leadconv outcomes import``).

    Checked as in ``load_crm`` except against the leads table, which is not there: blank or
    duplicate ``lead_id`` and unreadable dates are rejected (with file, row, column, reason).
    A row with neither ``sql_at`` nor ``disqualified_at`` says nothing happened yet: it is
    left out and counted in the report's notes.

    Returns:
        (``lead_id``, ``sql_at``, ``disqualified_at`` of the usable rows; the report).
    """
    path = Path(path)
    notes: list[str] = []
    table = _table(path, "outcomes", limits, notes)
    reading = DateReading(date_order, notes)
    require_columns(table, vocab.OUTCOMES_REQUIRED)
    out = pd.DataFrame(index=table.frame.index)
    out["lead_id"] = _strip(table.frame["lead_id"])
    table.frame = table.frame.assign(lead_id=out["lead_id"])
    table.reject(out["lead_id"].isna().to_numpy(), "lead_id", "lead_id is blank", "blank")
    reject_duplicates(table)
    out["sql_at"] = parse_timestamps(table, "sql_at", required=False, reading=reading)
    out["disqualified_at"] = parse_timestamps(table, "disqualified_at", required=False,
                                              reading=reading)
    used = out[table.alive]
    pending = used["sql_at"].isna() & used["disqualified_at"].isna()
    if pending.any():
        notes.append(f"{path.name}: {int(pending.sum()):,} rows with neither sql_at nor "
                     f"disqualified_at (nothing happened yet) left out")
    report = account([table], notes, max_reject_fraction)
    return used[~pending].reset_index(drop=True), report


def merge_outcomes(base: pd.DataFrame, extra: pd.DataFrame,
                   lead_ids: pd.Index) -> tuple[pd.DataFrame, int]:
    """The outcomes of ``base`` (an export's) completed by ``extra`` (e.g. the prediction
    store's): per lead and column, a value of ``extra`` wins, a missing one keeps ``base``'s.

    Returns:
        (one row per lead of ``lead_ids`` with an outcome; how many rows of ``extra`` belong to
        leads outside ``lead_ids`` and were left out).
    """
    columns = ["lead_id", "sql_at", "disqualified_at"]
    known = extra["lead_id"].isin(lead_ids)
    left = base.reindex(columns=columns).set_index("lead_id")
    right = extra.loc[known, columns].set_index("lead_id")
    merged = right.combine_first(left)  # right's values where present, else left's
    merged = merged.loc[merged.index.isin(lead_ids)].reset_index()
    return merged.rename(columns={"index": "lead_id"})[columns], int((~known).sum())


def _reject_after(table: RowTable, parsed: pd.Series, column: str, as_of: pd.Timestamp) -> None:
    table.reject((parsed > as_of).to_numpy(), column,
                 f"{column} is after the data's as_of {as_of.isoformat()}", "after as_of")


def _table(path: Path, name: str, limits: FileLimits, notes: list[str]) -> RowTable:
    frame = read_table(path, limits)
    _require_rows(frame, name, path.name, notes)
    return RowTable(path.name, frame, is_csv=path.suffix == ".csv")


def _require_rows(frame: pd.DataFrame, table: str, name: str, notes: list[str]) -> None:
    """Leads must have rows; an empty activities or outcomes table is said in ``notes``."""
    if frame.empty:
        if table not in MAY_BE_EMPTY:
            raise ContractError(f"{name}: no data rows (only a header"
                                f"{': ' + ', '.join(frame.columns) if len(frame.columns) else ''})")
        notes.append(f"{name} has no data rows")


def _frame_table(frame: pd.DataFrame, table: str, names: Mapping[str, str],
                 notes: list[str]) -> RowTable:
    """One input frame as a ``RowTable`` named ``names[table]``, its rows checked for number."""
    name = names[table]
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    text = as_text(frame, name)
    _require_rows(text, table, name, notes)
    return RowTable(name, text, is_csv=name.endswith(".csv"))


def _as_of(given: str | pd.Timestamp | None, leads: tuple[RowTable, pd.DataFrame, str],
           acts: tuple[RowTable, pd.DataFrame, str],
           outcomes: tuple[RowTable | None, pd.DataFrame, tuple[str, ...]],
           notes: list[str]) -> pd.Timestamp:
    """The export's moment: ``given`` (rows dated after it are rejected), or else the latest
    timestamp of the usable rows (said in ``notes``). Each table: (table, frame, time columns)."""
    (leads_t, leads_f, mql), (acts_t, acts_f, occurred), (out_t, out_f, out_cols) = \
        leads, acts, outcomes
    if given is None:
        candidates = [leads_f.loc[leads_t.alive, mql].max(),
                      acts_f.loc[acts_t.alive, occurred].max()]
        if out_t is not None:
            candidates += [out_f.loc[out_t.alive, c].max() for c in out_cols]
        as_of = max(c for c in candidates if pd.notna(c))
        notes.append(f"as_of not given: using the latest timestamp in the data, {as_of}")
        return as_of
    as_of = pd.Timestamp(given)
    as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
    _reject_after(leads_t, leads_f[mql], mql, as_of)
    _reject_after(acts_t, acts_f[occurred], occurred, as_of)
    if out_t is not None:
        for column in out_cols:
            _reject_after(out_t, out_f[column], column, as_of)
    return as_of


def _unknown_type_notes(types: pd.Series) -> list[str]:
    """A note on activity types the product does not know (kept, counted only in totals)."""
    other = types[~types.isin(set(vocab.ACTIVITY_TYPES))]
    if not len(other):
        return []
    top = other.value_counts().head(5)
    return [f"{len(other):,} activities of types the product does not know are kept and "
            f"counted only in totals: " + ", ".join(f"{k} ({v:,})" for k, v in top.items())]


def load_crm(data_dir: str | Path, *, as_of: str | pd.Timestamp | None = None,
             require_outcomes: bool = True, max_reject_fraction: float = 0.5,
             date_order: Order | None = None, limits: FileLimits = DEFAULT_LIMITS) -> CrmData:
    """Load and validate the event-shape tables in ``data_dir``: read the files as text, then
    ``validate_frames`` with the file names as table names.

    Args:
        data_dir: folder holding ``leads``, ``activities`` and ``outcomes`` (.csv or .parquet).
        as_of: the moment the export was taken. Anything later is rejected. Default: the latest
            timestamp in the data.
        require_outcomes: when False (scoring new leads), a missing outcomes file is allowed.
        max_reject_fraction: a file with a larger share of rejected rows raises ContractError.
        date_order: force day-first or month-first for ``14/03/2026``-style dates (default:
            decided per column from its values, ``features.dates``).
        limits: the largest file and line accepted (``features.prescan``).

    Returns:
        CrmData with only the usable rows, and a LoadReport accounting for every row read
        (rejects name the file, e.g. ``leads.csv``, and the CSV line).
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ContractError(f"{data_dir}: not a folder")
    paths = _find_tables(data_dir, require_outcomes)
    frames = {table: read_table(path, limits) for table, path in paths.items()}
    crm = validate_frames(
        frames["leads"], frames["activities"], frames.get("outcomes"), as_of=as_of,
        require_outcomes=require_outcomes, max_reject_fraction=max_reject_fraction,
        date_order=date_order, names={table: path.name for table, path in paths.items()})
    return replace(crm, source_dir=data_dir)


def _find_tables(data_dir: Path, require_outcomes: bool) -> dict[str, Path]:
    """The file of each table in ``data_dir``; outcomes may be missing unless required."""
    paths: dict[str, Path] = {}
    for table in TABLES:
        path = find_table(data_dir, table)
        if path is not None:
            paths[table] = path
        elif table != "outcomes" or require_outcomes:
            raise ContractError(f"{data_dir}: no {table}.csv or {table}.parquet found")
    return paths


def validate_frames(leads: pd.DataFrame, activities: pd.DataFrame,
                    outcomes: pd.DataFrame | None = None, *,
                    as_of: str | pd.Timestamp | None = None, require_outcomes: bool = True,
                    max_reject_fraction: float = 0.5, date_order: Order | None = None,
                    names: Mapping[str, str] = DEFAULT_NAMES) -> CrmData:
    """Validate the three event-shape tables held as DataFrames, as ``load_crm`` validates files.

    The frames may hold text (as read from a file) or typed values (timestamps, numbers): each
    column is read as text first, so every rule is the one files go through. The frames passed
    in are not modified.

    Args:
        leads: the leads table (``lead_id``, ``mql_at``, ``source``, optional columns; README).
        activities: the activities table (``lead_id``, ``occurred_at``, ``activity_type``,
            optional ``content_stage``).
        outcomes: the outcomes table (``lead_id``, ``sql_at``, optional ``disqualified_at``), or
            None when there is none yet (then ``require_outcomes`` must be False).
        as_of: the moment the data was taken. Anything later is rejected. Default: the latest
            timestamp in the data.
        require_outcomes: when False (scoring new leads), ``outcomes`` may be None.
        max_reject_fraction: a table with a larger share of rejected rows raises ContractError.
        date_order: force day-first or month-first for ``14/03/2026``-style dates.
        names: the name each table goes by in errors and rejects, by table (default ``leads``,
            ``activities``, ``outcomes``). A name ending in ``.csv`` (a file's, as ``load_crm``
            passes) also gives each reject its CSV ``line`` (header = line 1).

    Returns:
        CrmData with only the usable rows and a LoadReport accounting for every row: timestamps
        become tz-aware UTC, amounts float, category text ``lower_snake_case``, ``country``
        upper case; activities are sorted by ``lead_id`` then ``occurred_at``; ``source_dir``
        is None.

    Raises:
        ContractError: a missing required column or table, leads with no rows, duplicate column
            names, or a table with more than ``max_reject_fraction`` of its rows rejected.
    """
    if set(names) - set(TABLES):
        raise ValueError(f"names: unknown table(s) {sorted(set(names) - set(TABLES))}; "
                         f"expected some of {', '.join(TABLES)}")
    names = {**DEFAULT_NAMES, **names}
    if outcomes is None and require_outcomes:
        raise ContractError(f"{names['outcomes']}: no outcomes table given (require_outcomes=False "
                            f"scores leads without one)")
    notes: list[str] = []
    reading = DateReading(date_order, notes)
    leads_t = _frame_table(leads, "leads", names, notes)
    leads_v = validate_leads(leads_t, reading)
    leads_t.check_ratio(max_reject_fraction)  # nothing below makes sense without the leads
    rejected_ids = set(leads_v.loc[~leads_t.alive, "lead_id"].dropna())
    mql_at = leads_v.loc[leads_t.alive].set_index("lead_id")["mql_at"]
    acts_t = _frame_table(activities, "activities", names, notes)
    acts = validate_activities(acts_t, pd.Index(mql_at.index), rejected_ids, reading)
    out_t = (None if outcomes is None
             else _frame_table(outcomes, "outcomes", names, notes))
    outcomes_v = (_no_outcomes() if out_t is None
                  else validate_outcomes(out_t, mql_at, rejected_ids, reading))

    as_of_ts = _as_of(as_of, (leads_t, leads_v, "mql_at"), (acts_t, acts, "occurred_at"),
                      (out_t, outcomes_v, ("sql_at", "disqualified_at")), notes)
    late_ids = set(leads_v.loc[~leads_t.alive, "lead_id"].dropna()) - rejected_ids
    _follow_their_lead(late_ids, [(acts_t, acts), (out_t, outcomes_v)])
    notes += _unknown_type_notes(acts.loc[acts_t.alive, "activity_type"])

    tables = [leads_t, acts_t] + ([out_t] if out_t is not None else [])
    report = account(tables, notes, max_reject_fraction)
    acts_ok = (acts.loc[acts_t.alive].sort_values(["lead_id", "occurred_at"], kind="stable")
               .reset_index(drop=True))
    outcomes_ok = (outcomes_v.loc[out_t.alive].reset_index(drop=True) if out_t is not None
                   else outcomes_v)
    return CrmData(leads_v.loc[leads_t.alive].reset_index(drop=True), acts_ok, outcomes_ok,
                   as_of_ts, report)


def _no_outcomes() -> pd.DataFrame:
    """An outcomes table with no rows, typed as a validated one."""
    return pd.DataFrame({"lead_id": pd.Series(dtype="str"),
                         "sql_at": pd.Series(dtype="datetime64[ns, UTC]"),
                         "disqualified_at": pd.Series(dtype="datetime64[ns, UTC]")})


def _follow_their_lead(late_ids: set[str],
                       children: list[tuple[RowTable | None, pd.DataFrame]]) -> None:
    """Activities and outcomes of leads rejected late (after as_of) are rejected with them."""
    if not late_ids:
        return
    for table, frame in children:
        if table is not None:
            table.reject(frame["lead_id"].isin(late_ids).to_numpy(), "lead_id",
                         "its lead was rejected in the leads table", "lead rejected")
