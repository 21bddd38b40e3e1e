"""The Spark engine, driver side: ``leadconv score --engine spark`` and ``leadconv features
--engine spark`` on tables too big for one process.

How it runs (one source of truth: the product's own code runs in every bucket, see
``engines.spark_buckets``):

1. the tables are read (``engines.spark_read``): text, zone-free timestamps, each row numbered
   and bucketed by a hash of its ``lead_id``;
2. ``as_of`` is found once, on the driver: the one given, or else the latest timestamp of the
   usable rows (a first, lighter pass validates each bucket and returns its latest one);
3. leads are cogrouped with their activities and outcomes per bucket (``applyInPandas``); each
   bucket runs ``validate_frames`` with that ``as_of``, then ``Scorer.score`` (the scorer is
   loaded once per worker process) or ``build_features``;
4. the rows come back as one table split into scores (or features), rejects, counts and notes.

Spark sessions this module creates use ``spark.sql.session.timeZone=UTC``; the results do not
depend on the session's zone anyway (timestamps travel as UTC microseconds).

pyspark is imported inside the functions that need it: importing this module does not need it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from engines.spark_buckets import (
    REJECT_FIELDS,
    BucketJob,
    OutColumn,
    decode,
    plan_of,
    run_bucket,
    union_columns,
)
from engines.spark_read import SparkInputs, read_inputs, require
from features import vocab
from features.contract import ContractError, validate_frames
from features.dates import Order, current_window
from features.rejects import FileCounts
from features.rules import Rules, load_rules
from features.training_table import training_table

logger = logging.getLogger(__name__)

DEFAULT_MASTER = "local[*]"
Progress = Callable[[str], None]


def session(master: str | None = None, *, app_name: str = "leadconv",
            shuffle_partitions: int | None = None) -> Any:
    """The active Spark session, or a new one on ``master`` (default ``local[*]``) with the
    session time zone UTC, the UI off, Python workers running this interpreter (or
    ``PYSPARK_PYTHON``), and room on the driver for collecting the scores (driver memory
    ``SPARK_DRIVER_MEMORY`` or 2g, no limit on result size)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the optional extra
        raise RuntimeError("the Spark engine needs pyspark: pip install 'leadconv[spark]' "
                           "(and Java 17)") from exc
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # read when the context starts
    builder = (SparkSession.builder.appName(app_name).master(master or DEFAULT_MASTER)
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               # a .csv/.parquet --out is collected to the driver: room for it
               .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
               .config("spark.driver.maxResultSize", "0"))
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    return builder.getOrCreate()


@dataclass
class SparkResult:
    """What a Spark pass made: ``rows`` (scores or features, one per usable lead) and
    ``rejects`` as Spark DataFrames, plus the counts per table, notes and ``as_of``."""

    rows: Any
    rejects: Any
    counts: tuple[FileCounts, ...]
    notes: tuple[str, ...]
    as_of: pd.Timestamp
    plan: tuple[OutColumn, ...]
    buckets: int
    extras: dict[str, Any]

    @property
    def n_rejected(self) -> int:
        return sum(c.rejected for c in self.counts)

    def summary(self) -> str:
        """Per table loaded/used/rejected, then the notes (as ``LoadReport.summary``)."""
        lines = [f"{c.file}: {c.loaded:,} rows loaded = {c.used:,} used + {c.rejected:,} "
                 f"rejected" for c in self.counts]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def frame(self, *, parse_json: bool = False) -> pd.DataFrame:
        """The rows on the driver, in the leads' read order, with the columns and dtypes of the
        in-process answer (``Scorer.score`` or the feature table); JSON columns (reasons) stay
        text as ``leadconv score`` writes them, unless ``parse_json``."""
        rows = self.rows.orderBy("_row").toPandas()
        return decode(rows, self.plan, parse_json=parse_json)

    def rejects_frame(self) -> pd.DataFrame:
        """The rejects on the driver, by table (leads, activities, outcomes) then row."""
        frame = self.rejects.toPandas()
        order = {c.file: i for i, c in enumerate(self.counts)}
        frame = frame.assign(_t=frame["file"].map(order)).sort_values(
            ["_t", "row"], kind="stable").drop(columns="_t").reset_index(drop=True)
        frame["row"] = frame["row"].astype("int64")
        frame["line"] = frame["line"].astype("Int64")
        return frame


def spark_schema(plan: tuple[OutColumn, ...]) -> Any:
    """The Spark schema of a bucket's rows (``engines.spark_buckets.union_columns``)."""
    from pyspark.sql import types as T

    kinds = {"str": T.StringType(), "json": T.StringType(), "int": T.LongType(),
             "time": T.LongType(), "float": T.DoubleType(), "bool": T.BooleanType()}
    return T.StructType([T.StructField(name, kinds[kind], True)
                         for name, kind in union_columns(plan)])


def bundle_files(folder: Path) -> tuple[dict[str, bytes], str]:
    """A model bundle's files (relative name -> bytes) and a digest naming it."""
    files = {str(p.relative_to(folder)): p.read_bytes()
             for p in sorted(folder.rglob("*")) if p.is_file()}
    digest = hashlib.sha256()
    for name, data in files.items():
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return files, digest.hexdigest()


def sample_crm(columns: list[str], with_outcome: bool) -> Any:
    """One made-up valid lead with the leads table's columns (plus an outcome when asked): the
    driver scores it to learn the output's columns and types."""
    leads = pd.DataFrame({c: [None] for c in columns})
    leads["lead_id"], leads["mql_at"], leads["source"] = "sample", "2026-01-01T00:00:00Z", "web"
    activities = pd.DataFrame({"lead_id": pd.Series(dtype="str"),
                               "occurred_at": pd.Series(dtype="str"),
                               "activity_type": pd.Series(dtype="str")})
    outcomes = (pd.DataFrame({"lead_id": ["sample"], "sql_at": ["2026-01-02T00:00:00Z"]})
                if with_outcome else None)
    return validate_frames(leads, activities, outcomes, require_outcomes=with_outcome)


def _run(inputs: SparkInputs, job: BucketJob) -> Any:
    """One pass over the buckets: the rows of ``job.mode`` as a Spark DataFrame."""

    def one_bucket(leads: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
        return run_bucket(job, leads, children)

    return (inputs.leads.groupBy("_bucket").cogroup(inputs.children.groupBy("_bucket"))
            .applyInPandas(one_bucket, schema=spark_schema(job.plan)))


def _raise_errors(rows: pd.DataFrame) -> None:
    errors = rows.loc[rows["_kind"] == "error", "_text"].drop_duplicates()
    if len(errors):
        raise ContractError(str(errors.iloc[0]))


def find_as_of(inputs: SparkInputs, job: BucketJob, progress: Progress) -> pd.Timestamp:
    """``as_of``: the latest timestamp of the usable rows of every bucket (a validation pass)."""
    progress("as_of not given: finding the latest timestamp of the usable rows "
             "(pass --as-of to save this pass)")
    rows = _run(inputs, replace(job, mode="as_of", plan=())).toPandas()
    _raise_errors(rows)
    values = rows.loc[rows["_kind"] == "as_of", "_value"].dropna()
    if not len(values):
        raise ContractError(f"{inputs.names['leads']}: no usable row to take as_of from")
    return pd.Timestamp(int(values.max()), unit="us", tz="UTC")


def _counts(rows: pd.DataFrame, inputs: SparkInputs) -> tuple[FileCounts, ...]:
    found = [json.loads(t) for t in rows.loc[rows["_kind"] == "count", "_text"]]
    out = []
    for table in ("leads", "activities", "outcomes"):
        if table not in inputs.names:
            continue
        name = inputs.names[table]
        own = [c for c in found if c["file"] == name]
        loaded, used = sum(c["loaded"] for c in own), sum(c["used"] for c in own)
        out.append(FileCounts(name, loaded, used, loaded - used))
    return tuple(out)


def _check_ratio(counts: tuple[FileCounts, ...], rejects: Any,
                 max_reject_fraction: float) -> None:
    """Refuse a table that is mostly unusable, as the contract does for a file."""
    for c in counts:
        if c.loaded and c.rejected / c.loaded > max_reject_fraction:
            first = (rejects.filter(rejects["file"] == c.file).orderBy("row").limit(3)
                     .toPandas())
            examples = "; ".join(f"row {r.row} [{r.column}] {r.reason}"
                                 for r in first.itertuples())
            raise ContractError(
                f"{c.file}: {c.rejected:,} of {c.loaded:,} rows ({c.rejected / c.loaded:.0%}) "
                f"cannot be used, more than the allowed {max_reject_fraction:.0%}; first "
                f"problems: {examples}")


def _notes(rows: pd.DataFrame, counts: tuple[FileCounts, ...], given: bool,
           as_of: pd.Timestamp, date_order: Order | None) -> tuple[str, ...]:
    notes = list(dict.fromkeys(rows.loc[rows["_kind"] == "note", "_text"]))
    if notes and date_order is None:
        raise ContractError("dates that are not ISO 8601 (e.g. 03/04/2026) were read day-first "
                            "or month-first bucket by bucket: pass --dayfirst or --monthfirst "
                            "so that every bucket reads them the same way (" + notes[0] + ")")
    for c in counts:
        if c.loaded == 0:
            notes.append(f"{c.file} has no data rows")
    if not given:
        notes.append(f"as_of not given: using the latest timestamp in the data, {as_of}")
    return tuple(notes)


def run_pass(spark: Any, source: str, mode: str, *, rules: Rules, as_of: str | None,
             at: str = "as_of", buckets: int | None = None, date_order: Order | None = None,
             max_reject_fraction: float = 0.5, bundle: Path | None = None,
             progress: Progress = logger.info) -> SparkResult:
    """Read ``source`` and run one ``mode`` pass ("score" or "features") over its buckets."""
    inputs = read_inputs(spark, source, buckets)
    buckets = inputs.buckets
    require(inputs, {"leads": vocab.LEADS_REQUIRED, "activities": vocab.ACTIVITIES_REQUIRED,
                     "outcomes": vocab.OUTCOMES_REQUIRED})
    if mode == "features" and not inputs.has_outcomes:
        raise ContractError(f"{source}: no outcomes table: the feature table for training needs "
                            f"each lead's outcome")
    progress(f"spark: {inputs.n_leads:,} leads in {buckets} buckets")
    job = BucketJob(mode, inputs.columns, inputs.times, inputs.names, inputs.has_outcomes,
                    rules, at=at, date_order=date_order, date_window=current_window())
    given = as_of is not None
    if as_of is None:
        stamp = find_as_of(inputs, job, progress)
    else:
        stamp = pd.Timestamp(as_of)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    job.as_of = stamp.isoformat()
    sample = sample_crm(inputs.columns["leads"], with_outcome=mode == "features")
    if mode == "score":
        if bundle is None:
            raise ValueError("scoring needs the model bundle's folder")
        from scoring.event import Scorer

        scorer = Scorer.from_bundle(bundle, rules)  # verified here before any worker starts
        job.bundle, job.bundle_id = bundle_files(bundle)
        job.plan = plan_of(scorer.score(sample.leads, sample.activities, sample.as_of))
        extras: dict[str, Any] = {"model_version": scorer.version}
    else:
        job.plan = plan_of(training_table(sample, rules))
        extras = {}
    out = _run(inputs, job).persist()
    small = out.filter(out["_kind"].isin("count", "note", "error", "types")).select(
        "_kind", "_text", "_value", "r__row").toPandas()
    _raise_errors(small)
    rejects = out.filter(out["_kind"] == "reject").select(
        *[out[f"r__{c}"].alias(c) for c in REJECT_FIELDS])
    counts = _counts(small, inputs)
    _check_ratio(counts, rejects, max_reject_fraction)
    kind = "score" if mode == "score" else "feature"
    rows = out.filter(out["_kind"] == kind).select(
        "_row", *[out[f"`c__{c.name}`"] for c in job.plan])
    if mode == "features":
        types = small[small["_kind"] == "types"]
        sums = types.groupby("_text")[["_value", "r__row"]].sum()
        extras["activity_types"] = {str(k): {"n": int(v["_value"]), "n_after": int(v["r__row"])}
                                    for k, v in sums.iterrows()}
    return SparkResult(rows, rejects, counts, _notes(small, counts, given, stamp, date_order),
                       stamp, job.plan, buckets, extras)


def typed_rows(result: SparkResult) -> Any:
    """The result's rows as a Spark table with the plan's names and types (timestamps as
    ``TIMESTAMP``, integer columns as ``BIGINT``, JSON as text), in no particular order: for
    writing on the cluster."""
    from pyspark.sql import functions as F

    columns = []
    for c in result.plan:
        column = F.col(f"`c__{c.name}`")
        if c.kind == "time":
            column = F.timestamp_micros(column)
        elif c.kind == "float" and pd.api.types.is_integer_dtype(c.dtype):
            column = column.cast("long")  # whole numbers (score, points) as in-process
        columns.append(column.alias(c.name))
    return result.rows.select(*columns)


def score(spark: Any, source: str, bundle: Path, *, rules_path: Path | None = None,
          as_of: str | None = None, at: str = "as_of", buckets: int | None = None,
          date_order: Order | None = None, max_reject_fraction: float = 0.5,
          progress: Progress = logger.info) -> SparkResult:
    """Score every lead of ``source`` (``engines.spark_read``) with the bundle in ``bundle``:
    rows as ``Scorer.score`` returns them (``SparkResult.frame``), rejects as the contract's."""
    return run_pass(spark, source, "score", rules=load_rules(rules_path), as_of=as_of, at=at,
                    buckets=buckets, date_order=date_order,
                    max_reject_fraction=max_reject_fraction, bundle=bundle, progress=progress)


def features(spark: Any, source: str, *, rules_path: Path | None = None,
             as_of: str | None = None, buckets: int | None = None,
             date_order: Order | None = None, max_reject_fraction: float = 0.5,
             progress: Progress = logger.info) -> SparkResult:
    """The per-lead training table of ``source`` (``features.training_table``): features at
    MQL time, outcomes and the validated leads columns; ``extras["activity_types"]`` holds the
    sums the leakage check needs."""
    return run_pass(spark, source, "features", rules=load_rules(rules_path), as_of=as_of,
                    buckets=buckets, date_order=date_order,
                    max_reject_fraction=max_reject_fraction, progress=progress)
