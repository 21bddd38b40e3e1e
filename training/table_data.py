"""The training-table data adapter: ``leadconv train --features FILE``.

The table (``features.training_table``) was built elsewhere, e.g. on Spark (``leadconv features
--engine spark``): one row per lead with its features at MQL time, its outcome and its leads
columns. Training from it runs the very steps of training from the export folder
(``training.event_data.EventData``): the same labels, split, leakage check (its post-outcome
test from the table's activity-type sums), model and report, so the same data gives the same
model.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from features.build import CATEGORICAL, FEATURE_NAMES, NUMERIC
from features.contract import CrmData
from features.leakage import LeakageFlag, detect_event_leakage
from features.rejects import REJECT_COLUMNS, FileCounts, LoadReport
from features.training_table import LEAD_PREFIX, post_outcome_inputs, read_table
from training.data import Labelled, Prepared, Progress
from training.event_data import EventData

if TYPE_CHECKING:
    from training.config import TrainConfig


class TableData(EventData):
    """A training table file (see the module docstring).

    Args:
        path: the table (Parquet, written by ``features.training_table.write_table``).
        rules_path: the rules file for BANT flags and the points score (default: shipped).
    """

    def __init__(self, path: str | Path, *, rules_path: str | Path | None = None) -> None:
        super().__init__(Path(path).parent, rules_path=rules_path)
        self.path = Path(path)
        self.meta: dict[str, Any] = {}

    def load(self, cfg: TrainConfig, progress: Progress) -> Labelled:
        frame, self.meta = read_table(self.path)
        leads = frame[[c for c in frame.columns if c.startswith(LEAD_PREFIX)]]
        leads = leads.rename(columns=lambda c: c.removeprefix(LEAD_PREFIX))
        outcomes = frame.loc[frame["sql_at"].notna() | frame["disqualified_at"].notna(),
                             ["lead_id", "sql_at", "disqualified_at"]].reset_index(drop=True)
        counts = tuple(FileCounts(**c) for c in self.meta.get("counts", []))
        report = LoadReport(counts, pd.DataFrame(columns=[*REJECT_COLUMNS, "reason_kind"]))
        activities = pd.DataFrame({"lead_id": pd.Series(dtype="str"),
                                   "occurred_at": pd.Series(dtype="datetime64[ns, UTC]"),
                                   "activity_type": pd.Series(dtype="str")})
        self.crm = CrmData(leads.reset_index(drop=True), activities, outcomes,
                           pd.Timestamp(self.meta["as_of"]), report)
        table = frame.set_index(pd.Index(frame["lead_id"], name="lead_id"))
        self.table = table.loc[:, [*FEATURE_NAMES, "scored_at"]]
        progress(f"[1/7] data: training table {self.path} ({len(frame):,} leads, "
                 f"{report.n_rejected:,} rows rejected when it was built)")
        progress(f"[2/7] features: {len(self.table):,} leads x "
                 f"{len(NUMERIC) + len(CATEGORICAL)} features, point in time at MQL (from the "
                 f"table)")
        return self.label(cfg, progress)

    def leakage(self, prepared: Prepared, cfg: TrainConfig
                ) -> tuple[list[LeakageFlag], list[str]]:
        """``EventData.leakage`` with the post-outcome test on the table's activity-type sums."""
        x, y = prepared.part("train")
        activities, outcomes = post_outcome_inputs(self.meta.get("activity_types", {}))
        return detect_event_leakage(x, pd.Series(y, index=x.index), list(NUMERIC),
                                    list(CATEGORICAL), activities, outcomes, cfg.leakage,
                                    raw=())

    def fingerprint(self, prepared: Prepared) -> dict[str, object]:
        """A hash of the table plus the counts and dates that describe it."""
        fp = super().fingerprint(prepared)
        digest = hashlib.sha256(self.path.read_bytes())
        counts = {c["file"]: c for c in self.meta.get("counts", [])}
        activities = next((c for name, c in counts.items() if name.startswith("activities")),
                          None)
        fp.update(sha256=digest.hexdigest(), source=str(self.path),
                  n_activities=activities["used"] if activities else 0)
        return fp
