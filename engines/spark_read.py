"""The event tables as Spark DataFrames: read, numbered, bucketed by ``lead_id``.

Where they come from (``source``):

* a folder (local, or a URL Spark reads: ``s3://``, ``abfss://``, ``dbfs:/``...) holding
  ``leads``, ``activities`` and ``outcomes`` as ``<name>.csv`` or ``<name>.parquet`` (a file
  or a folder of part files, as Spark writes them);
* ``table:PREFIX``: the tables ``PREFIX.leads``, ``PREFIX.activities`` and ``PREFIX.outcomes``
  of the session's catalog (Delta, Iceberg, Hive...), e.g. ``table:crm`` or ``table:main.crm``.

CSV is read as text, like ``features.contract.read_table``. Timestamps never go through the
session's time zone: ``TIMESTAMP`` columns travel as microseconds since the epoch (UTC) and are
given back to the contract as UTC timestamps; ``TIMESTAMP_NTZ`` and ``DATE`` columns travel as
their ISO text (no zone: taken as UTC, as in files). The contract parses every one of them.

Each row gets ``_row``, its 1-based position in the table in Spark's read order (for a single
file: its data row, as ``leadconv validate`` counts), and ``_bucket``, a hash of its trimmed
``lead_id`` modulo the number of buckets: a lead, its activities and its outcome share a bucket.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from features.contract import SUFFIXES, TABLES, ContractError

TABLE_SOURCE = "table:"


@dataclass
class SparkInputs:
    """The tables read: ``leads`` (with ``_row`` and ``_bucket``) and ``children`` (activities
    and outcomes in one frame, ``_table`` saying which, columns prefixed ``a__`` / ``o__``)."""

    leads: Any
    children: Any
    columns: dict[str, list[str]]
    times: dict[str, list[str]]
    names: dict[str, str]
    has_outcomes: bool
    n_leads: int
    buckets: int


def _is_remote(source: str) -> bool:
    return "://" in source or source.startswith("dbfs:")


def _read_file(spark: Any, path: str) -> Any:
    if path.rstrip("/").endswith(".parquet"):
        return spark.read.parquet(path)
    frame = (spark.read.option("header", True).option("multiLine", True)
             .option("escape", '"').option("ignoreLeadingWhiteSpace", True)
             .option("inferSchema", False).csv(path))
    return frame.toDF(*[c.strip() for c in frame.columns])


def _local_table(folder: Path, table: str) -> Path | None:
    found = [folder / f"{table}{s}" for s in SUFFIXES if (folder / f"{table}{s}").exists()]
    if len(found) > 1:
        raise ContractError(f"{folder}: both {found[0].name} and {found[1].name} exist; keep one")
    return found[0] if found else None


def locate(spark: Any, source: str) -> dict[str, tuple[Any, str]]:
    """Each table's DataFrame and its name in rejects (``leads.csv``, ``crm.leads``...);
    outcomes may be missing."""
    out: dict[str, tuple[Any, str]] = {}
    if source.startswith(TABLE_SOURCE):
        prefix = source.removeprefix(TABLE_SOURCE).rstrip(".")
        for table in TABLES:
            name = f"{prefix}.{table}"
            if spark.catalog.tableExists(name):
                out[table] = (spark.table(name), name)
            elif table != "outcomes":
                raise ContractError(f"{source}: no table {name}")
        return out
    if _is_remote(source):
        from pyspark.errors import AnalysisException

        for table in TABLES:
            for suffix in SUFFIXES:
                path = f"{source.rstrip('/')}/{table}{suffix}"
                try:
                    out[table] = (_read_file(spark, path), f"{table}{suffix}")
                    break
                except AnalysisException:
                    continue
            if table not in out and table != "outcomes":
                raise ContractError(f"{source}: no {table}.csv or {table}.parquet found")
        return out
    folder = Path(source)
    if not folder.is_dir():
        raise ContractError(f"{folder}: not a folder")
    for table in TABLES:
        local = _local_table(folder, table)
        if local is None:
            if table != "outcomes":
                raise ContractError(f"{folder}: no {table}.csv or {table}.parquet found")
            continue
        if local.suffix == ".csv" and local.is_file():
            from features.prescan import check_header, read_header

            check_header(read_header(local), local.name)
        out[table] = (_read_file(spark, str(local.resolve())), local.name)
    return out


def zone_free(frame: Any) -> tuple[Any, list[str]]:
    """``frame`` with timestamps that do not depend on the session's time zone, and the names
    of the columns that travel as UTC microseconds."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    micros, columns = [], []
    for field in frame.schema.fields:
        column = F.col(f"`{field.name}`")
        if isinstance(field.dataType, T.TimestampType):
            columns.append(F.unix_micros(column).alias(field.name))
            micros.append(field.name)
        elif isinstance(field.dataType, (T.TimestampNTZType, T.DateType)):
            columns.append(column.cast("string").alias(field.name))
        else:
            columns.append(column)
    return frame.select(*columns), micros


def numbered(frame: Any) -> tuple[Any, int]:
    """``frame`` with ``_row`` (1-based, in read order) and its number of rows."""
    from pyspark.sql import functions as F

    frame = frame.withColumn("_mid", F.monotonically_increasing_id())
    part = (F.col("_mid") / F.lit(1 << 33)).cast("long")
    counts = sorted((int(r["p"]), int(r["n"])) for r in
                    frame.groupBy(part.alias("p")).agg(F.count(F.lit(1)).alias("n")).collect())
    offsets, total = {}, 0
    for p, n in counts:
        offsets[p] = total
        total += n
    if not offsets:
        return frame.drop("_mid").withColumn("_row", F.lit(None).cast("long")), 0
    pairs = [x for p, off in offsets.items() for x in (F.lit(p), F.lit(off))]
    start = F.create_map(*pairs)[part]
    row = start + (F.col("_mid") - part * F.lit(1 << 33)) + F.lit(1)
    return frame.withColumn("_row", row.cast("long")).drop("_mid"), total


def bucket_of(buckets: int) -> Any:
    """The bucket of a row: a hash of its ``lead_id`` without surrounding blanks (the contract
    strips them), so a lead and its rows meet whatever their spacing."""
    from pyspark.sql import functions as F

    trimmed = F.regexp_replace(F.col("lead_id").cast("string"), r"^\s+|\s+$", "")
    return F.pmod(F.xxhash64(trimmed), F.lit(buckets)).cast("int")


def auto_buckets(n_leads: int, leads_per_bucket: int = 20_000, least: int = 2) -> int:
    """The default number of buckets: one per ``leads_per_bucket`` leads, at least ``least``."""
    return max(least, -(-n_leads // leads_per_bucket))


def read_inputs(spark: Any, source: str, buckets: int | None = None) -> SparkInputs:
    """Read, number and bucket the tables of ``source`` (see the module docstring); ``buckets``
    None: ``auto_buckets`` of the number of leads."""
    from pyspark.sql import functions as F

    found = locate(spark, source)
    columns: dict[str, list[str]] = {}
    times: dict[str, list[str]] = {}
    names = {table: name for table, (_, name) in found.items()}
    frames: dict[str, Any] = {}
    n_leads = 0
    for table, (frame, name) in found.items():  # leads first
        if "lead_id" not in frame.columns:
            raise ContractError(f"{name}: missing required column 'lead_id' (found: "
                                f"{', '.join(frame.columns) or 'none'})")
        columns[table] = list(frame.columns)
        frame, times[table] = zone_free(frame)
        frame, n = numbered(frame)
        if table == "leads":
            n_leads = n
            buckets = auto_buckets(n) if buckets is None else buckets
            if buckets < 1:
                raise ValueError(f"--buckets must be at least 1, not {buckets}")
        assert buckets is not None
        frames[table] = frame.withColumn("_bucket", bucket_of(buckets))
    children = None
    for table in ("activities", "outcomes"):
        if table not in frames:
            continue
        prefix = "a__" if table == "activities" else "o__"
        part = frames[table].select(
            F.lit(table).alias("_table"), "_row", "_bucket",
            *[F.col(f"`{c}`").alias(prefix + c) for c in columns[table]])
        children = part if children is None else children.unionByName(
            part, allowMissingColumns=True)
    assert buckets is not None
    return SparkInputs(frames["leads"], children, columns, times, names,
                       "outcomes" in frames, n_leads, buckets)


def require(inputs: SparkInputs, needed: Mapping[str, tuple[str, ...]]) -> None:
    """A required column missing from a table is an error naming the table, before any work."""
    for table, required in needed.items():
        if table not in inputs.columns:
            continue
        missing = [c for c in required if c not in inputs.columns[table]]
        if missing:
            raise ContractError(
                f"{inputs.names[table]}: missing required column(s) "
                f"{', '.join(map(repr, missing))} (found: {', '.join(inputs.columns[table])})")
