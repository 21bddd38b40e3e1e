"""Rows that cannot be used: each file read is accounted for, row by row.

A ``RowTable`` is one file being validated; a check rejects rows with a reason naming the column
(never drops them silently); ``account`` sums it up as a ``LoadReport`` (``loaded = used +
rejected`` per file, the rejected rows with file, row, CSV line, column, value and reason) and
refuses a file that is mostly unusable, which is a format problem rather than bad rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

REJECT_COLUMNS = ("file", "row", "line", "column", "value", "reason", "lead_id")


class ContractError(ValueError):
    """The input cannot be used at all; the message names the file, column and row."""


@dataclass(frozen=True)
class FileCounts:
    """Rows of one file: ``loaded == used + rejected``."""

    file: str
    loaded: int
    used: int
    rejected: int


@dataclass(frozen=True)
class LoadReport:
    """What happened to every row that was read."""

    counts: tuple[FileCounts, ...]
    rejects: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def n_rejected(self) -> int:
        return int(sum(c.rejected for c in self.counts))

    def summary(self) -> str:
        """A few readable lines: per file loaded/used/rejected, top reasons and notes."""
        lines = [f"{c.file}: {c.loaded:,} rows loaded = {c.used:,} used + {c.rejected:,} rejected"
                 for c in self.counts]
        if len(self.rejects):
            top = self.rejects.groupby(["file", "column", "reason_kind"], sort=False).size()
            for (file, column, kind), n in top.sort_values(ascending=False).head(8).items():
                lines.append(f"  rejected {n:,} in {file} [{column}]: {kind}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def write_rejects(self, path: str | Path) -> Path:
        """Write every rejected row with its reason as CSV (empty file with header if none)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.rejects.loc[:, list(REJECT_COLUMNS)].to_csv(path, index=False)
        return path


@dataclass
class RowTable:
    """One file being validated: its raw text frame and the rows still alive."""

    name: str
    frame: pd.DataFrame
    is_csv: bool
    alive: np.ndarray = field(init=False)
    rejects: list[pd.DataFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.alive = np.ones(len(self.frame), dtype=bool)

    def reject(self, mask: np.ndarray | pd.Series, column: str, reason: str | pd.Series,
               kind: str) -> None:
        """Reject rows in ``mask`` that are still alive, with a reason naming the column."""
        mask = np.asarray(mask, dtype=bool) & self.alive
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        values = (self.frame[column].to_numpy()[idx] if column in self.frame.columns
                  else np.full(len(idx), None))
        reasons = reason.to_numpy()[idx] if isinstance(reason, pd.Series) else reason
        lead_ids = (self.frame["lead_id"].to_numpy()[idx] if "lead_id" in self.frame.columns
                    else np.full(len(idx), None))
        self.rejects.append(pd.DataFrame({
            "file": self.name,
            "row": idx + 1,
            "line": (idx + 2) if self.is_csv else pd.NA,
            "column": column,
            "value": values,
            "reason": reasons,
            "reason_kind": kind,
            "lead_id": lead_ids,
        }))
        self.alive &= ~mask

    def check_ratio(self, max_reject_fraction: float) -> None:
        """Refuse a file that is mostly unusable: that is a format problem, not bad rows."""
        n = len(self.frame)
        bad = n - int(self.alive.sum())
        if n and bad / n > max_reject_fraction:
            first = pd.concat(self.rejects).sort_values("row").head(3)
            examples = "; ".join(f"row {r.row} [{r.column}] {r.reason}" for r in first.itertuples())
            raise ContractError(
                f"{self.name}: {bad:,} of {n:,} rows ({bad / n:.0%}) cannot be used, more than the "
                f"allowed {max_reject_fraction:.0%}; first problems: {examples}")


def account(tables: list[RowTable], notes: list[str], max_reject_fraction: float) -> LoadReport:
    """Every row read, accounted for (``loaded = used + rejected`` per file); raises when a file
    has more than ``max_reject_fraction`` unusable rows."""
    for table in tables:
        table.check_ratio(max_reject_fraction)
    counts = tuple(FileCounts(t.name, len(t.frame), int(t.alive.sum()),
                              len(t.frame) - int(t.alive.sum())) for t in tables)
    all_rejects = [r for t in tables for r in t.rejects]
    rejects = (pd.concat(all_rejects, ignore_index=True) if all_rejects
               else pd.DataFrame(columns=[*REJECT_COLUMNS, "reason_kind"]))
    report = LoadReport(counts=counts, rejects=rejects, notes=tuple(notes))
    for line in report.summary().splitlines():
        logger.info("%s", line)
    return report
