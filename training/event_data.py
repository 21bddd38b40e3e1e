"""The event-shape data adapter: a CRM export folder (leads, activities, outcomes).

Features are built at each lead's MQL time (point in time, ``features.build``), labels with
censoring (``features.labels``); the leakage check also looks for activities that only happen
after conversion; the points score and the lead source travel along for the evaluation.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from features.build import CATEGORICAL, NUMERIC, build_features, feature_catalog, feature_matrix
from features.contract import CrmData, load_crm, merge_outcomes
from features.dates import Order
from features.labels import Labels, make_labels
from features.leakage import LeakageFlag, detect_event_leakage
from features.points import points_score
from features.rules import Rules, load_rules
from report.page import report_for_run
from scoring.card import ModelCard
from scoring.compiled import reference_lead
from scoring.event import Scorer
from training.data import Labelled, Prepared, Progress, check_enough
from training.model_card import event_card_markdown
from training.split import Split

if TYPE_CHECKING:
    from training.config import TrainConfig

logger = logging.getLogger(__name__)


def read_truth(data_dir: Path | None) -> pd.Series | None:
    """``truth.csv`` (demo data only): each lead's true probability, for the oracle comparison."""
    if data_dir is None or not (data_dir / "truth.csv").exists():
        return None
    truth = pd.read_csv(data_dir / "truth.csv", dtype={"lead_id": "str"})
    return truth.set_index("lead_id")["p_true"]


class EventData:
    """An event-shape export folder, read through the data contract.

    Args:
        data_dir: the folder with ``leads``, ``activities`` and ``outcomes``.
        as_of: the export date (default: the latest timestamp in the data).
        rules_path: the rules file for BANT flags and the points score (default: shipped).
        crm: the export already loaded (the ``make demo`` job loads it once for several steps).
        date_order: force day-first or month-first ``a/b/yyyy`` dates (``--dayfirst``).
        max_file_mb: the largest file accepted, in MiB (default ``features.prescan``).
    """

    shape = "event"
    split_step = "[4/7]"

    def __init__(self, data_dir: str | Path, *, as_of: str | None = None,
                 rules_path: str | Path | None = None, crm: CrmData | None = None,
                 date_order: Order | None = None, max_file_mb: int | None = None,
                 extra_outcomes: pd.DataFrame | None = None) -> None:
        self.data_dir = Path(data_dir)
        # Outcomes from elsewhere (the prediction store's, fed back by the CRM): they complete
        # the export's (features.contract.merge_outcomes), which may then be absent.
        self.extra_outcomes = extra_outcomes
        self.as_of = as_of
        self.rules: Rules = load_rules(rules_path)
        self.crm = crm
        self.date_order = date_order
        self.max_file_mb = max_file_mb
        self.table: pd.DataFrame | None = None
        self.label_set: Labels | None = None
        self.horizon_days = 90

    @staticmethod
    def _with_extra_outcomes(crm: CrmData, extra: pd.DataFrame, progress: Progress) -> CrmData:
        """Outcomes after ``as_of`` are not known at the export's moment: left out, counted."""
        from dataclasses import replace

        late = (extra["sql_at"] > crm.as_of) | (extra["disqualified_at"] > crm.as_of)
        merged, n_unknown = merge_outcomes(crm.outcomes, extra[~late],
                                           pd.Index(crm.leads["lead_id"]))
        progress(f"outcomes: {len(extra):,} from the prediction store; {n_unknown:,} of leads "
                 f"not in this export and {int(late.sum()):,} dated after its as_of "
                 f"{crm.as_of.date()} left out; {len(merged):,} leads with an outcome")
        return replace(crm, outcomes=merged)

    def load(self, cfg: TrainConfig, progress: Progress) -> Labelled:
        if self.crm is None:
            from features.prescan import FileLimits

            self.crm = load_crm(self.data_dir, as_of=self.as_of, date_order=self.date_order,
                                limits=FileLimits.from_mb(self.max_file_mb),
                                require_outcomes=self.extra_outcomes is None)
            if self.extra_outcomes is not None:
                self.crm = self._with_extra_outcomes(self.crm, self.extra_outcomes, progress)
        crm = self.crm
        for note in crm.report.notes:
            if "day-first" in note or "month-first" in note:
                progress(f"dates: {note}")
        progress(f"[1/7] data: {len(crm.leads):,} leads, {len(crm.activities):,} activities, "
                 f"{crm.report.n_rejected:,} rejected rows")
        start = time.perf_counter()
        self.table = build_features(crm.leads, crm.activities, rules=self.rules)
        progress(f"[2/7] features: {len(self.table):,} leads x {len(NUMERIC) + len(CATEGORICAL)}"
                 f" features, point in time at MQL ({time.perf_counter() - start:.1f}s)")
        return self.label(cfg, progress)

    def label(self, cfg: TrainConfig, progress: Progress) -> Labelled:
        """Labels of the feature table's leads (``self.table``, ``self.crm``), checked for
        enough history."""
        assert self.table is not None and self.crm is not None
        crm = self.crm
        self.horizon_days = cfg.horizon_days
        labels = make_labels(self.table["scored_at"], crm.outcomes, crm.as_of, cfg.horizon_days)
        self.label_set = labels
        counts = labels.counts()
        progress(f"[3/7] labels ({cfg.horizon_days}-day horizon, as_of {crm.as_of.date()}): "
                 f"{counts['converted']:,} converted, {counts['not_converted']:,} not, "
                 f"{labels.n_censored:,} censored (horizon not over by as_of, "
                 f"{counts['censored_converted']:,} of them already converted: left out), "
                 f"{counts['already_converted']:,} already SQL at scoring time (left out)")
        check_enough(counts["converted"], counts["not_converted"], cfg,
                     f"leads whose {cfg.horizon_days}-day horizon has passed",
                     f"; {labels.n_censored} more are censored",
                     ". Export a longer history, shorten --horizon-days, or lower "
                     "--min-positives/--min-negatives knowingly.")
        return Labelled(labels.labelled)

    def features(self, labelled: Labelled, split: Split, progress: Progress) -> Prepared:
        assert self.table is not None and self.crm is not None
        ids = labelled.frame.index
        points = points_score(self.table, self.rules)["points_score"]
        p_true = read_truth(self.crm.source_dir)
        return Prepared(feature_matrix(self.table.loc[ids]), labelled.y, split, list(NUMERIC),
                        list(CATEGORICAL), points=points.loc[ids],
                        groups=self.table.loc[ids, "source"],
                        p_true=None if p_true is None else p_true.reindex(ids),
                        labels=self.label_set, features=self.table.loc[ids],
                        scored_at=labelled.frame["scored_at"])

    def leakage(self, prepared: Prepared, cfg: TrainConfig
                ) -> tuple[list[LeakageFlag], list[str]]:
        """Every input is the product's own point-in-time feature (custom fields of the leads
        table are carried, never features): no raw column, so no name-based check."""
        assert self.crm is not None
        x, y = prepared.part("train")
        return detect_event_leakage(x, pd.Series(y, index=x.index), list(NUMERIC),
                                    list(CATEGORICAL), self.crm.activities, self.crm.outcomes,
                                    cfg.leakage, raw=())

    def drop(self, dropped: list[str]) -> None:
        """Nothing to forget: the card lists the model's inputs from the matrix itself."""

    def facts(self) -> dict[str, Any]:
        assert self.label_set is not None and self.crm is not None
        counts = self.label_set.counts()
        return {"n_censored": self.label_set.n_censored,
                "n_censored_converted": counts["censored_converted"],
                "n_rejected": self.crm.report.n_rejected}

    def fingerprint(self, prepared: Prepared) -> dict[str, object]:
        """A hash of the validated tables plus the counts and dates that describe them."""
        crm, labels = self.crm, self.label_set
        assert crm is not None and labels is not None
        digest = hashlib.sha256()
        for frame in (crm.leads, crm.activities, crm.outcomes):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        counts = labels.counts()
        return {
            "sha256": digest.hexdigest(),
            "source": str(crm.source_dir),
            "n_leads": len(crm.leads), "n_activities": len(crm.activities),
            "n_outcomes": len(crm.outcomes), "n_rejected": crm.report.n_rejected,
            "mql_from": str(crm.leads["mql_at"].min()), "mql_to": str(crm.leads["mql_at"].max()),
            "as_of": str(crm.as_of), "horizon_days": labels.horizon_days,
            "n_censored": labels.n_censored,
            "n_censored_converted": counts["censored_converted"],
            "n_already_converted": counts["already_converted"],
        }

    def card(self, prepared: Prepared, leakage: dict[str, Any]) -> ModelCard:
        x_train, _ = prepared.part("train")
        names = set(prepared.x.columns)
        return ModelCard(
            shape="event", trained_at=datetime.now(UTC).isoformat(),
            horizon_days=self.horizon_days,
            features=[f for f in feature_catalog().to_dict(orient="records")
                      if f["name"] in names],
            reference=reference_lead(x_train, prepared.numeric, prepared.categorical))

    def card_markdown(self, metrics: dict[str, Any], fp: dict[str, object],
                      importances: pd.DataFrame, cfg: TrainConfig) -> str:
        return event_card_markdown(metrics, fp, importances, cfg.horizon_days)

    def mlflow_extras(self, leakage: dict[str, Any]
                      ) -> tuple[dict[str, str], dict[str, Any]]:
        return {"shape": "event"}, {"leakage": leakage}

    def catalog(self) -> pd.DataFrame | None:
        return None

    def input_example(self, prepared: Prepared, n: int = 5) -> pd.DataFrame:
        """The first ``n`` training leads as raw input rows of the registered pyfunc (their
        leads-table columns, activities as JSON, scored at their scoring moment)."""
        from scoring.pyfunc import event_rows

        assert self.crm is not None
        ids = prepared.part("train")[0].index[:n]
        leads = self.crm.leads.set_index("lead_id", drop=False).loc[ids]
        activities = self.crm.activities[self.crm.activities["lead_id"].isin(ids)]
        scored_at = None if prepared.scored_at is None else prepared.scored_at.loc[ids]
        return event_rows(leads.reset_index(drop=True), activities, scored_at)

    def data_name(self) -> str:
        """What the data is called in run names: its folder (its parent's, for a folder
        called ``data``), e.g. ``demo-events``."""
        folder = self.data_dir.resolve()
        name = folder.parent.name if folder.name == "data" and folder.parent.name else folder.name
        return f"{name}-events"

    def report(self, prepared: Prepared, p_test: np.ndarray, importances: pd.DataFrame,
               card: ModelCard, model: Any) -> str:
        test = prepared.x.loc[prepared.split.test]
        parts = Scorer(model, card, self.rules).parts(test)  # fit and engagement, test leads
        return report_for_run(self.crm, prepared, self.rules, p_test, importances, card, parts)
