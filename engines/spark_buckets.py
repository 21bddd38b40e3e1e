"""What runs on a Spark worker for one bucket of leads: pandas only, no pyspark.

A bucket holds some leads with all their activities and outcomes (rows are bucketed by a hash of
``lead_id``, so a lead and its rows always meet). Per bucket, the product's own code runs, never a
copy of it: ``features.contract.validate_frames`` (the rules files go through), then
``scoring.event.Scorer.score`` or ``features.training_table.training_table`` (``build_features``
and each lead's outcome). What a bucket returns is one
frame of *rows* of several kinds (``KINDS``) sharing one schema (``union_columns``); the driver
splits them into scores, rejects, counts and notes (``engines.spark``).

Row numbers: every input row carries ``_row``, its 1-based position in the table as Spark read it
(for one file, its data row). Rejects name that row, as ``leadconv validate`` does, and a
duplicate's "first seen at row N" names the first row of the whole table.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.contract import (
    ContractError,
    as_text,
    validate_activities,
    validate_frames,
    validate_outcomes,
)
from features.dates import DEFAULT_WINDOW, DateReading, DateWindow, Order, configure_window
from features.rejects import REJECT_COLUMNS, RowTable, account
from features.rules import Rules
from features.training_table import training_table, type_counts

TABLES = ("leads", "activities", "outcomes")
PREFIX = {"activities": "a__", "outcomes": "o__"}  # children columns in the shared frame
KINDS = ("score", "feature", "reject", "count", "note", "error", "as_of", "types")
# Columns of a reject row (``features.rejects.REJECT_COLUMNS`` plus ``reason_kind``).
REJECT_FIELDS = (*REJECT_COLUMNS, "reason_kind")
# Spark-side kind of an output column: how it travels between pandas and Spark.
COLUMN_KINDS = ("time", "json", "str", "float", "bool")
DUPLICATE = re.compile(r"\(first seen at row (\d+)\)")


@dataclass(frozen=True)
class OutColumn:
    """One output column: its name, how it travels (``COLUMN_KINDS``) and its pandas dtype."""

    name: str
    kind: str
    dtype: str


@dataclass
class BucketJob:
    """Everything a worker needs for one pass, shipped once with the task.

    ``columns``: each table's columns as read; ``times``: the columns that travel as
    microseconds since the epoch (UTC); ``names``: each table's name in rejects and errors.
    ``bundle``: the model bundle's files (``scoring.bundle``); a worker verifies and loads it
    once (``scorer``) with its own model key. ``date_window``: the driver's accepted dates, the
    worker's too (``features.dates``), so a bucket rejects exactly the rows one process would.
    """

    mode: str  # "as_of", "score" or "features"
    columns: Mapping[str, Sequence[str]]
    times: Mapping[str, Sequence[str]]
    names: Mapping[str, str]
    has_outcomes: bool
    rules: Rules
    as_of: str | None = None
    at: str = "as_of"
    date_order: Order | None = None
    plan: tuple[OutColumn, ...] = ()
    bundle: Mapping[str, bytes] = field(default_factory=dict)
    bundle_id: str = ""
    date_window: DateWindow = DEFAULT_WINDOW


# --- the shared output schema ----------------------------------------------------------------
def union_columns(plan: Sequence[OutColumn]) -> list[tuple[str, str]]:
    """(name, kind) of every column a bucket returns: the row's kind, the lead's row, a number
    and a text (as_of, counts, notes, errors), the reject fields, then the plan's columns."""
    head = [("_kind", "str"), ("_row", "int"), ("_value", "int"), ("_text", "str")]
    rejects = [(f"r__{name}", "int" if name in ("row", "line") else "str")
               for name in REJECT_FIELDS]
    return head + rejects + [(f"c__{c.name}", "time" if c.kind == "time" else c.kind)
                             for c in plan]


def plan_of(frame: pd.DataFrame) -> tuple[OutColumn, ...]:
    """How each column of ``frame`` (a ``Scorer.score`` or training-table answer, on a sample)
    travels: timestamps as UTC microseconds, numbers as doubles (given back as the sample's
    integer dtype when every value is a whole number), lists and dicts (reasons) as JSON text.
    A sample's dtype that only says "no value here" (all missing) is widened: text for an
    empty object column, UTC for a timestamp column without a zone."""
    plan = []
    for name in frame.columns:
        column = frame[name]
        dtype = str(column.dtype)
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            kind = "time"
            dtype = dtype if "UTC" in dtype else "datetime64[us, UTC]"
        elif pd.api.types.is_bool_dtype(column.dtype):
            kind = "bool"
        elif pd.api.types.is_numeric_dtype(column.dtype):
            kind = "float"
        elif any(isinstance(v, (list, dict, tuple)) for v in column):
            kind = "json"
        else:
            kind = "str"
            dtype = "str" if column.isna().all() else dtype
        plan.append(OutColumn(str(name), kind, dtype))
    return tuple(plan)


def micros(values: pd.Series) -> pd.Series:
    """Timestamps (tz-aware or UTC-naive) as microseconds since the epoch, missing as <NA>."""
    stamps = pd.to_datetime(values, utc=True)
    ints = stamps.dt.as_unit("us").astype("int64").where(stamps.notna())
    return ints.astype("Int64")


def from_micros(values: pd.Series) -> pd.Series:
    """The inverse of ``micros``: tz-aware UTC timestamps."""
    return pd.to_datetime(pd.Series(values, dtype="Float64").astype("float64"), unit="us",
                          utc=True)


def encode(frame: pd.DataFrame, plan: Sequence[OutColumn]) -> dict[str, Any]:
    """``frame``'s plan columns as they travel to Spark (``c__`` names)."""
    out: dict[str, Any] = {}
    for col in plan:
        values = frame[col.name]
        if col.kind == "time":
            out[f"c__{col.name}"] = micros(values).to_numpy()
        elif col.kind == "json":
            out[f"c__{col.name}"] = [json.dumps(v) for v in values]
        else:
            out[f"c__{col.name}"] = values.to_numpy()
    return out


def decode(rows: pd.DataFrame, plan: Sequence[OutColumn], *, parse_json: bool = False
           ) -> pd.DataFrame:
    """Rows of one kind back as the frame ``plan`` was taken from: names, dtypes, timestamps in
    UTC; JSON columns stay text (as ``leadconv score`` writes them) unless ``parse_json``."""
    out = {}
    for col in plan:
        values = rows[f"c__{col.name}"].reset_index(drop=True)
        if col.kind == "time":
            out[col.name] = from_micros(values).astype(col.dtype)
        elif col.kind == "json":
            out[col.name] = [json.loads(v) for v in values] if parse_json else values.astype(
                "str")
        elif col.kind == "float" and pd.api.types.is_integer_dtype(col.dtype):
            numbers = values.astype("float64")
            whole = bool(numbers.notna().all() and (numbers % 1 == 0).all())
            out[col.name] = numbers.astype(col.dtype) if whole else numbers
        else:
            out[col.name] = values.astype(col.dtype)
    return pd.DataFrame(out)


def as_rows(parts: list[pd.DataFrame], plan: Sequence[OutColumn]) -> pd.DataFrame:
    """The rows of a bucket in the shared schema: every column, nullable types Arrow takes."""
    union = union_columns(plan)
    frame = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame())
    frame = frame.reindex(columns=[name for name, _ in union])
    for name, kind in union:
        column = frame[name]
        if kind in ("int", "time"):
            frame[name] = pd.array(column.astype("object").where(column.notna(), None),
                                   dtype="Int64")
        elif kind == "float":
            frame[name] = column.astype("float64")
        elif kind == "bool":
            frame[name] = pd.array(column.astype("object").where(column.notna(), None),
                                   dtype="boolean")
        else:
            frame[name] = column.astype("object").where(column.notna(), None)
    return frame


# --- one bucket ------------------------------------------------------------------------------
_SCORERS: dict[str, Any] = {}  # bundle id -> Scorer: loaded once per worker process


def scorer(job: BucketJob) -> Any:
    """The job's scorer, loaded once per worker process (cached by the bundle's digest): the
    bundle's files are written to a private folder and verified with the worker's model key."""
    from scoring.event import Scorer

    found = _SCORERS.get(job.bundle_id)
    if found is None:
        folder = Path(tempfile.mkdtemp(prefix="leadconv-bundle-"))
        for name, data in job.bundle.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        found = Scorer.from_bundle(folder, job.rules)
        _SCORERS[job.bundle_id] = found
    return found


def split_inputs(job: BucketJob, leads: pd.DataFrame, children: pd.DataFrame
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray]]:
    """The bucket's three tables as read (rows in read order, timestamps back as UTC), and each
    table's global row numbers."""
    frames: dict[str, pd.DataFrame] = {}
    rows: dict[str, np.ndarray] = {}
    parts = {"leads": leads}
    for table in ("activities", "outcomes"):
        own = children[children["_table"] == table] if len(children) else children
        prefix = PREFIX[table]
        parts[table] = own.rename(columns={c: c.removeprefix(prefix) for c in own.columns})
    for table, part in parts.items():
        if table == "outcomes" and not job.has_outcomes:
            continue
        part = part.sort_values("_row", kind="stable") if len(part) else part
        rows[table] = part["_row"].to_numpy(dtype="int64") if len(part) else np.zeros(0, "int64")
        frame = part.reindex(columns=list(job.columns[table])).reset_index(drop=True)
        for column in job.times.get(table, ()):
            frame[column] = from_micros(frame[column])
        frames[table] = frame
    return frames, rows


def _first_row(reason: str, rows: np.ndarray) -> str:
    """A duplicate's reason with the whole table's row of the first one."""
    def whole(match: re.Match[str]) -> str:
        return f"(first seen at row {rows[int(match.group(1)) - 1]})"

    return DUPLICATE.sub(whole, reason)


def global_rejects(rejects: pd.DataFrame, job: BucketJob,
                   rows: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """A bucket's rejects with the rows (and CSV lines, and a duplicate's first row) of the
    whole table instead of the bucket's."""
    out = rejects.loc[:, list(REJECT_FIELDS)].copy()
    by_name = {job.names[t]: t for t in rows}
    tables = out["file"].map(by_name)
    row_numbers = np.zeros(len(out), dtype="int64")
    reasons = out["reason"].astype("object").to_numpy().copy()
    for table, own in rows.items():
        mask = (tables == table).to_numpy()
        if not mask.any():
            continue
        row_numbers[mask] = own[out["row"].to_numpy(dtype="int64")[mask] - 1]
        for i in np.flatnonzero(mask):
            if isinstance(reasons[i], str) and DUPLICATE.search(reasons[i]):
                reasons[i] = _first_row(reasons[i], own)
    out["row"] = row_numbers
    out["line"] = [r + 1 if str(name).endswith(".csv") else None
                   for r, name in zip(row_numbers, out["file"], strict=True)]
    out["reason"] = reasons
    return out


def orphan_report(job: BucketJob, frames: Mapping[str, pd.DataFrame]) -> Any:
    """A bucket with activities or outcomes but no lead: every row is rejected as the contract
    rejects it (blank or unknown ``lead_id``), by the contract's own checks."""
    reading = DateReading(job.date_order, [])
    tables = []
    no_leads = pd.Index([], dtype="object")
    for table in ("activities", "outcomes"):
        if table not in frames or not len(frames[table]):
            continue
        row_table = RowTable(job.names[table], as_text(frames[table], job.names[table]),
                             is_csv=job.names[table].endswith(".csv"))
        if table == "activities":
            validate_activities(row_table, no_leads, set(), reading)
        else:
            validate_outcomes(row_table, pd.Series([], index=no_leads,
                                                   dtype="datetime64[ns, UTC]"), set(), reading)
        tables.append(row_table)
    return account(tables, [], 1.0)


def report_rows(report: Any, job: BucketJob, rows: Mapping[str, np.ndarray]
                ) -> list[pd.DataFrame]:
    """Rejects, counts per table and the notes on how dates were read, as rows."""
    parts = []
    if len(report.rejects):
        rejects = global_rejects(report.rejects, job, rows)
        parts.append(pd.DataFrame({"_kind": "reject",
                                   **{f"r__{c}": rejects[c].to_numpy() for c in REJECT_FIELDS}}))
    counts = [json.dumps({"file": c.file, "loaded": c.loaded, "used": c.used})
              for c in report.counts]
    parts.append(pd.DataFrame({"_kind": "count", "_text": counts}))
    dates = [n for n in report.notes if "day-first" in n or "month-first" in n]
    if dates:
        parts.append(pd.DataFrame({"_kind": "note", "_text": dates}))
    return parts


def alive_rows(report: Any, job: BucketJob, rows: np.ndarray) -> np.ndarray:
    """The global rows of the bucket's leads that were not rejected, in order."""
    rejected = report.rejects.loc[report.rejects["file"] == job.names["leads"], "row"]
    alive = np.ones(len(rows), dtype=bool)
    alive[rejected.to_numpy(dtype="int64") - 1] = False
    return rows[alive]


def run_bucket(job: BucketJob, leads: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """One bucket, one pass (``job.mode``); the rows the driver collects (see module doc)."""
    configure_window(job.date_window)
    frames, rows = split_inputs(job, leads, children)
    parts: list[pd.DataFrame] = []
    try:
        if not len(frames["leads"]):
            if job.mode != "as_of":
                parts += report_rows(orphan_report(job, frames), job, rows)
            return as_rows(parts, job.plan)
        crm = validate_frames(
            frames["leads"], frames["activities"], frames.get("outcomes"),
            as_of=job.as_of if job.mode != "as_of" else None,
            require_outcomes=job.has_outcomes, max_reject_fraction=1.0,
            date_order=job.date_order,
            names={t: job.names[t] for t in TABLES if t in frames})
    except ContractError as exc:
        return as_rows([pd.DataFrame({"_kind": ["error"], "_text": [str(exc)]})], job.plan)
    except ValueError as exc:  # as_of of a bucket with no usable row: nothing to say
        if job.mode == "as_of" and "max() arg is an empty sequence" in str(exc):
            return as_rows([], job.plan)
        raise
    if job.mode == "as_of":
        parts.append(pd.DataFrame({"_kind": ["as_of"],
                                   "_value": micros(pd.Series([crm.as_of])).to_numpy()}))
        return as_rows(parts, job.plan)
    parts += report_rows(crm.report, job, rows)
    if len(crm.leads):
        lead_rows = alive_rows(crm.report, job, rows["leads"])
        if job.mode == "score":
            at = {"as_of": crm.as_of, "mql": None}.get(job.at, job.at)
            result = scorer(job).score(crm.leads, crm.activities, at)
            kind = "score"
        else:
            result = training_table(crm, job.rules)
            types = type_counts(crm.activities, crm.outcomes)
            parts.append(pd.DataFrame({"_kind": "types", "_text": types["activity_type"],
                                       "_value": types["n"], "r__row": types["n_after"]}))
            kind = "feature"
        parts.append(pd.DataFrame({"_kind": kind, "_row": lead_rows,
                                   **encode(result, job.plan)}))
    return as_rows(parts, job.plan)
