"""The per-lead training table: everything a training run needs from an event-shape export, in one
row per lead, so the heavy part (reading, validating, building features over billions of
activities) can run elsewhere (``leadconv features --engine spark``) and fitting on one machine
(``leadconv train --features FILE``).

A row holds ``lead_id``, the features at the lead's MQL time and ``scored_at``
(``features.build.build_features``, the one feature function), the lead's outcome (``sql_at``,
``disqualified_at``) and its validated leads columns (``lead.<name>``; the training report reads
segments from them). Labels are not stored: they depend on the run's horizon and are made by
``features.labels.make_labels`` from ``scored_at``, ``sql_at`` and the table's ``as_of``.

The Parquet file's metadata (key ``leadconv``) holds ``as_of``, the rows of each input table
(loaded / used), and per activity type among converted leads the number of activities and of
those at or after ``sql_at``: the sums the leakage check's post-outcome test is computed from
(``features.leakage_stats.post_outcome_activity_types``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from features.build import build_features
from features.rules import Rules

LEAD_PREFIX = "lead."
METADATA_KEY = b"leadconv"
FORMAT = "training-table/1"


def training_table(crm: Any, rules: Rules | None = None) -> pd.DataFrame:
    """The table's rows for a validated export (``features.contract.CrmData``)."""
    features = build_features(crm.leads, crm.activities, rules=rules)
    outcomes = crm.outcomes.set_index("lead_id").reindex(features.index)
    out = features.reset_index()
    out["sql_at"] = outcomes["sql_at"].to_numpy()
    out["disqualified_at"] = (outcomes["disqualified_at"].to_numpy()
                              if "disqualified_at" in outcomes.columns
                              else pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]"))
    leads = crm.leads.reset_index(drop=True)
    for name in leads.columns:
        out[f"{LEAD_PREFIX}{name}"] = leads[name].to_numpy()
    return out


def type_counts(activities: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per activity type, among leads with an ``sql_at``: ``n`` activities and ``n_after`` at
    or after it. Sums of parts (e.g. buckets of leads) give the whole's."""
    sql_at = outcomes.dropna(subset=["sql_at"]).set_index("lead_id")["sql_at"]
    acts = activities[activities["lead_id"].isin(sql_at.index)]
    if not len(acts):
        return pd.DataFrame({"activity_type": pd.Series(dtype="str"),
                             "n": pd.Series(dtype="int64"), "n_after": pd.Series(dtype="int64")})
    after = (acts["occurred_at"] >= acts["lead_id"].map(sql_at)).astype("int64")
    table = after.groupby(acts["activity_type"]).agg(["size", "sum"])
    return pd.DataFrame({"activity_type": table.index.astype("str"),
                         "n": table["size"].to_numpy(dtype="int64"),
                         "n_after": table["sum"].to_numpy(dtype="int64")})


def post_outcome_inputs(counts: dict[str, dict[str, int]]
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Activities and outcomes with exactly the ``type_counts`` of ``counts`` (one converted
    lead): what ``post_outcome_activity_types`` needs, rebuilt from the table's metadata."""
    sql_at = pd.Timestamp("2000-01-02", tz="UTC")
    before = sql_at - pd.Timedelta(days=1)
    types, moments = [], []
    for activity_type, c in sorted(counts.items()):
        types += [activity_type] * c["n"]
        moments += [sql_at] * c["n_after"] + [before] * (c["n"] - c["n_after"])
    activities = pd.DataFrame({"lead_id": "converted", "activity_type": pd.Series(types,
                                                                                  dtype="str"),
                               "occurred_at": pd.to_datetime(pd.Series(moments, dtype="object"),
                                                             utc=True)})
    outcomes = pd.DataFrame({"lead_id": ["converted"], "sql_at": [sql_at]})
    return activities, outcomes


def write_table(table: pd.DataFrame, path: str | Path, meta: dict[str, Any]) -> Path:
    """Write the table as Parquet with ``meta`` (``as_of``, ``counts``, ``activity_types``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    merged = {**(arrow.schema.metadata or {}),
              METADATA_KEY: json.dumps({"format": FORMAT, **meta}, default=str).encode()}
    pq.write_table(arrow.replace_schema_metadata(merged), path)
    return path


def read_table(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table and its metadata; ValueError naming the file when it is not such a table."""
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    meta = (pq.read_schema(path).metadata or {}).get(METADATA_KEY)
    if meta is None:
        raise ValueError(f"{path}: not a training table (no '{METADATA_KEY.decode()}' metadata); "
                         f"make one with `leadconv features --engine spark --data DIR --out "
                         f"{path.name}`")
    info = json.loads(meta)
    if info.get("format") != FORMAT:
        raise ValueError(f"{path}: training table format {info.get('format')!r}, this version "
                         f"reads {FORMAT!r}")
    return pd.read_parquet(path), info
