"""The flat-export data adapter: one CSV or Parquet file, one row per lead, a label column.

Columns get roles from a mapping (given, or inferred and printed so the user can correct it);
labels come from the label column; the category vocabularies are learnt on the training rows
only, after the split; features come from ``features.flat.flat_features``, the function scoring
uses too. A flat export has no points score and no activities.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from features.contract import ContractError
from features.flat import (
    flat_catalog,
    flat_features,
    lead_ids,
    learn_vocabularies,
    parse_lead_times,
    reference_row,
    unreadable_cells,
)
from features.flat_read import FlatFile, read_flat
from features.leakage import LeakageFlag, detect_leakage
from features.prescan import DEFAULT_LIMITS, FileLimits
from features.roles import (
    DEFAULT_PLACEHOLDERS,
    Mapping,
    format_role_table,
    infer_mapping,
    parse_labels,
    role_table,
)
from report.flat import FlatExportRows, flat_report_for_run
from scoring.card import ModelCard
from training.data import Labelled, Prepared, Progress, check_enough
from training.model_card import flat_card_markdown
from training.split import Split

if TYPE_CHECKING:
    from training.config import TrainConfig

logger = logging.getLogger(__name__)


def resolve_mapping(flat: FlatFile, target: str | None, mapping: Mapping | str | Path | None,
                    explicit: dict[str, Any]) -> Mapping:
    """The mapping to use: the given one (file or object) with the explicit options (``id_column``,
    ``time_column``, ``positive``, ``placeholders``; None = not given) applied on top, or one
    inferred from the data. Columns of the file the mapping does not know are ignored."""
    frame = flat.frame
    given = {k: v for k, v in explicit.items() if v is not None}
    if mapping is None:
        if target is None:
            raise ContractError("--target COLUMN is required for a flat export (the label, e.g. "
                                "Converted)")
        inferred = infer_mapping(frame, target, id_column=given.get("id_column"),
                                 time_column=given.get("time_column"),
                                 positive=given.get("positive"),
                                 placeholders=given.get("placeholders") or DEFAULT_PLACEHOLDERS,
                                 decimal=flat.decimal)
        inferred.date_order = given.get("date_order")
        return inferred
    if not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    missing = [c for c, r in mapping.roles.items() if c not in frame.columns and r != "ignore"]
    if missing:
        raise ContractError(f"{flat.path.name}: column(s) of the mapping not in the file: "
                            f"{missing}")
    changes: dict[str, Any] = {"roles": {c: mapping.roles.get(c, "ignore")
                                         for c in frame.columns}, **given}
    if target is not None:
        changes["target"] = target
    if changes.get("target", mapping.target) is None:
        raise ContractError("the mapping names no target: pass --target COLUMN")
    return Mapping.from_dict({**mapping.to_dict(), **changes})


def read_truth(path: Path, mapping: Mapping) -> pd.Series | None:
    """``truth.csv`` next to a demo export: p_true by id, for the oracle comparison."""
    truth_path = path.parent / "truth.csv"
    if mapping.id_column is None or not truth_path.exists():
        return None
    truth = pd.read_csv(truth_path, dtype={mapping.id_column: "str"})
    if mapping.id_column not in truth.columns or "p_true" not in truth.columns:
        return None
    return truth.set_index(mapping.id_column)["p_true"]


@dataclass
class FlatData:
    """A flat export file and how to read it (each option overrides the mapping's value).

    Attributes:
        path: the CSV or Parquet file.
        target: the label column (required unless the mapping names it).
        mapping: a ``mapping.yaml`` (path) or a Mapping; None: inferred from the data.
        mapping_out: where to write the mapping used, for the user to edit and pass back.
        id_column, time_column, positive, placeholders, date_order: see
            ``features.roles.Mapping`` (``date_order``: ``--dayfirst``/``--monthfirst``).
        limits: the largest file and line accepted (``features.prescan``).
    """

    path: Path
    target: str | None = None
    mapping: Mapping | str | Path | None = None
    mapping_out: str | Path | None = None
    id_column: str | None = None
    time_column: str | None = None
    positive: str | None = None
    placeholders: tuple[str, ...] | None = None
    date_order: str | None = None
    limits: FileLimits = DEFAULT_LIMITS
    shape: str = field(default="flat", init=False)
    split_step: str = field(default="[3/7]", init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        self.rows = pd.DataFrame()
        self.n_unlabelled = 0
        self.n_bad_times = 0
        self.bad_times = pd.Series(dtype=bool)
        self.labelled_frame = pd.DataFrame()

    @property
    def resolved(self) -> Mapping:
        assert isinstance(self.mapping, Mapping)
        return self.mapping

    def load(self, cfg: TrainConfig, progress: Progress) -> Labelled:
        self.flat = read_flat(self.path, limits=self.limits)
        progress(f"[1/7] data: {self.flat.describe()}")
        explicit = {"id_column": self.id_column, "time_column": self.time_column,
                    "positive": self.positive, "placeholders": self.placeholders,
                    "date_order": self.date_order}
        self.mapping = resolve_mapping(self.flat, self.target, self.mapping, explicit)
        mapping = self.resolved
        progress("column roles (save with --mapping-out mapping.yaml, edit, pass back with "
                 "--mapping):")
        progress(format_role_table(role_table(self.flat.frame, mapping), mapping))
        if self.mapping_out is not None:
            progress(f"mapping written to {mapping.save(self.mapping_out)}")
        assert mapping.target is not None
        frame = self.flat.frame.set_axis(lead_ids(self.flat.frame, mapping, self.path), axis=0)
        labels = parse_labels(frame[mapping.target], mapping.positive, mapping.placeholders)
        labelled = pd.DataFrame({"scored_at": self._times(frame, mapping, progress),
                                 "label": labels})[labels.notna() & ~self.bad_times]
        self.n_unlabelled = int(labels.isna().sum())
        self.n_bad_times = int((labels.notna() & self.bad_times).sum())
        self.rows, self.labelled_frame = frame.loc[labelled.index], labelled
        result = Labelled(labelled)
        n_pos, n_neg = result.counts()
        progress(f"[2/7] labels from {mapping.target!r}: {n_pos:,} converted, {n_neg:,} not, "
                 f"{self.n_unlabelled:,} blank (left out)"
                 + (f", {self.n_bad_times:,} with an unusable time (left out)"
                    if self.n_bad_times else ""))
        check_enough(n_pos, n_neg, cfg, "rows")
        return result

    def _times(self, frame: pd.DataFrame, mapping: Mapping, progress: Progress) -> pd.Series:
        """The time column, parsed once: how it was read is said (and the day/month order kept
        in the mapping, so scoring and the report read it alike); unusable values are counted
        with examples and count as unknown times; a mostly unusable column is an error."""
        try:
            parsed = parse_lead_times(frame, mapping)
        except ContractError as exc:
            raise ContractError(f"{self.path.name}: {exc}") from exc
        if parsed is None:
            self.bad_times = pd.Series(False, index=frame.index)
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
        if parsed.note:
            progress(f"dates: {parsed.note}")
            if mapping.date_order is None and "day-first" in parsed.note:
                mapping.date_order = "dayfirst"
            elif mapping.date_order is None and "month-first" in parsed.note:
                mapping.date_order = "monthfirst"
        n_bad = int(parsed.bad.sum())
        if n_bad:
            first = "; ".join(parsed.reasons[parsed.bad].drop_duplicates().head(2))
            where = np.flatnonzero(parsed.bad)[:5] + 2
            message = (f"{self.path.name}: {n_bad:,} of {len(frame):,} values of the time column "
                       f"are not usable dates (lines {', '.join(map(str, where))}): {first}")
            if n_bad > len(frame) / 2:
                raise ContractError(message)
            progress(f"note: {message}; those rows are left out")
        self.bad_times = pd.Series(parsed.bad, index=frame.index)
        return parsed.values

    def features(self, labelled: Labelled, split: Split, progress: Progress) -> Prepared:
        self.mapping = learn_vocabularies(self.rows.loc[split.train], self.resolved)
        mapping = self.resolved
        x = flat_features(self.rows, mapping)
        progress(f"[4/7] features: {len(x):,} rows x {x.shape[1]} columns "
                 f"({len(mapping.numeric)} numeric/yes-no, {len(mapping.categorical)} "
                 f"categorical)")
        for column, count, shown in unreadable_cells(self.rows, x, mapping):
            progress(f"note: {column!r}: {count:,} value(s) are not {mapping.roles[column]} "
                     f"values and count as missing (e.g. {', '.join(map(repr, shown))}); fix the "
                     f"export or set the column's role in the mapping")
        truth = read_truth(self.path, mapping)
        return Prepared(x, labelled.y, split, list(mapping.numeric), list(mapping.categorical),
                        p_true=truth, scored_at=labelled.frame["scored_at"])

    def leakage(self, prepared: Prepared, cfg: TrainConfig
                ) -> tuple[list[LeakageFlag], list[str]]:
        """Every column of a flat export is raw: all checks, the name-based ones included."""
        x, y = prepared.part("train")
        return detect_leakage(x, pd.Series(y, index=x.index), prepared.numeric,
                              prepared.categorical, cfg.leakage, raw=list(x.columns)), []

    def drop(self, dropped: list[str]) -> None:
        """The dropped columns are no longer model inputs: their role becomes ``ignore``."""
        mapping = self.resolved.with_roles()
        for column in dropped:
            mapping.roles[column] = "ignore"
            mapping.vocabularies.pop(column, None)
        self.mapping = mapping

    def facts(self) -> dict[str, Any]:
        return {"n_unlabelled": self.n_unlabelled, "shape": "flat"}

    def fingerprint(self, prepared: Prepared) -> dict[str, object]:
        mapping, when = self.resolved, self.labelled_frame["scored_at"]
        return {"sha256": hashlib.sha256(self.path.read_bytes()).hexdigest(),
                "source": str(self.path), "shape": "flat",
                "n_leads": len(self.flat.frame), "n_labelled": len(prepared.y),
                "n_unlabelled": len(self.flat.frame) - len(prepared.y),
                "target": mapping.target, "id_column": mapping.id_column,
                "time_column": mapping.time_column,
                "mql_from": str(when.min()), "mql_to": str(when.max()),
                "delimiter": self.flat.delimiter, "decimal": self.flat.decimal}

    def card(self, prepared: Prepared, leakage: dict[str, Any]) -> ModelCard:
        x_train, _ = prepared.part("train")
        mapping = self.resolved
        return ModelCard(
            shape="flat", trained_at=datetime.now(UTC).isoformat(),
            mapping=mapping.to_dict(), features=flat_catalog(mapping),
            feature_names=list(prepared.x.columns),
            reference=reference_row(x_train, mapping), leakage=leakage)

    def card_markdown(self, metrics: dict[str, Any], fp: dict[str, object],
                      importances: pd.DataFrame, cfg: TrainConfig) -> str:
        return flat_card_markdown(metrics, fp, importances)

    def mlflow_extras(self, leakage: dict[str, Any]
                      ) -> tuple[dict[str, str], dict[str, Any]]:
        tags = {"shape": "flat",
                "kept_columns": ",".join(leakage["kept_columns"]) or "(none)",
                "dropped_columns": ",".join(leakage["dropped_columns"])[:250] or "(none)"}
        return tags, {"leakage": leakage, "mapping": self.resolved.to_dict()}

    def catalog(self) -> pd.DataFrame | None:
        return pd.DataFrame(flat_catalog(self.resolved))

    def input_example(self, prepared: Prepared, n: int = 5) -> pd.DataFrame:
        """The first ``n`` training rows of the export, as text, as raw input rows of the
        registered pyfunc (its id column and feature columns)."""
        mapping = self.resolved
        ids = prepared.part("train")[0].index[:n]
        columns = list(dict.fromkeys([*([mapping.id_column] if mapping.id_column else []),
                                      *mapping.features]))
        return self.rows.loc[ids, columns].reset_index(drop=True)

    def data_name(self) -> str:
        """What the data is called in run names: the export's file name, e.g. ``export-flat``."""
        return f"{self.path.stem}-flat"

    def report(self, prepared: Prepared, p_test: np.ndarray, importances: pd.DataFrame,
               card: ModelCard, model: Any) -> str:
        export = FlatExportRows(self.rows, self.resolved, self.labelled_frame, self.path,
                                self.n_unlabelled)
        return flat_report_for_run(export, prepared.split, p_test, importances, card)
