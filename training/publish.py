"""The tail of a training run, the same for both data shapes: log the run and its model to MLflow,
decide champion or challenger (``training.promotion``), and publish it whole or not at all.

Publishing (``publish``) runs in this order, so that a training killed between any two steps
leaves every reader a whole model (card, report, reasons), old or new:

1. the card, the promotion decision and the report are logged to the MLflow run;
2. a champion's bundle (model, card, signed manifest, report) is written into a new folder and
   swapped in atomically (``scoring.bundle.export_bundle``, ``scoring.swap``);
3. the registry alias moves, last: ``@champion`` never names a version that is not published.

``after_step`` is called after each step: a seam for tests, which make it raise to simulate a
kill at that point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

from report.charts import pyplot
from scoring.bundle import export_bundle
from scoring.card import ModelCard
from training import plots, track
from training.config import RunOptions, TrainConfig
from training.data import Prepared, Progress
from training.fit import Candidate
from training.promotion import CHAMPION, Decision, Policy, decide, loss_on, unseen_test_leads
from training.refit import RecentFit

logger = logging.getLogger(__name__)


@dataclass
class RunRecord:
    """Everything a run produced before it is tracked.

    ``curves``: label -> test scores (the model's first) for the ROC/PR and lift plots.
    ``model`` is the published model; ``evaluated_model`` made the test scores.
    """

    model: Any
    best: Candidate
    calibrated: RecentFit
    candidates: list[Candidate]
    prepared: Prepared
    evaluation: dict[str, Any]
    metrics: dict[str, Any]
    importances: pd.DataFrame
    curves: dict[str, np.ndarray]
    fingerprint: dict[str, object]
    card_markdown: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    json_artifacts: dict[str, Any] = field(default_factory=dict)
    evaluated_model: Any = None
    run_id: str | None = None  # the MLflow run opened when the training started
    card: ModelCard | None = None  # before registration (no version yet): the pyfunc's card
    input_example: pd.DataFrame | None = None  # raw input rows of the pyfunc
    rules_path: str | None = None
    data_name: str = "training data"  # e.g. ``demo-events``: run name and dataset name


def run_name(data_name: str, model: str, day: str | None = None) -> str:
    """What ran, for the MLflow UI: ``demo-events · hgb · 2026-12-02`` (the candidate's family:
    ``hgb_2`` and ``logreg_C0.05`` are ``hgb`` and ``logreg``, ``default_logreg`` is ``default``;
    the date in UTC)."""
    from datetime import UTC, datetime

    family = model.split("_", 1)[0]
    return f"{data_name} · {family} · {day or datetime.now(UTC).date().isoformat()}"


def _figures(record: RunRecord) -> dict[str, Any]:
    _, y_test = record.prepared.part("test")
    return {"reliability": plots.reliability_figure(record.evaluation["calibration"]),
            "roc_pr": plots.roc_pr_figure(y_test, record.curves),
            "lift": plots.lift_figure(y_test, record.curves),
            "importances": plots.importance_figure(record.importances)}


def _tables(record: RunRecord) -> dict[str, pd.DataFrame]:
    tables = {"calibration": record.evaluation["calibration"], "importances": record.importances,
              "candidates": pd.DataFrame([c.row() for c in record.candidates])}
    if "slices" in record.evaluation:
        tables["slices_by_source"] = record.evaluation["slices"]
    return tables


def log_run(tracking: track.Tracking, cfg: TrainConfig, record: RunRecord,
            progress: Progress | None = None) -> track.LoggedModel:
    """Log the run (name, description, params, fingerprint, training dataset, metrics, plots,
    tables, card) and register its model as the raw-lead pyfunc (``scoring.pyfunc``)."""
    figures = _figures(record)
    params = {**cfg.as_params(), "chosen_model": record.best.name,
              "calibration": record.calibrated.method, **record.best.params}
    prepared = record.prepared
    assert record.input_example is not None
    logged = track.log_run(tracking, record.model, cfg.model_name, track.RunLog(
        params=params,
        metrics={k: v for k, v in record.metrics.items() if not isinstance(v, str)},
        fingerprint=record.fingerprint, figures=figures, tables=_tables(record),
        model_card=record.card_markdown, input_example=record.input_example,
        tags={**record.tags, "data_sha256": str(record.fingerprint["sha256"])},
        json_artifacts=record.json_artifacts, card=record.card, rules_path=record.rules_path,
        run_name=run_name(record.data_name, record.best.name),
        dataset=prepared.x.assign(label=prepared.y.to_numpy()), data_name=record.data_name,
        run_id=record.run_id), progress)
    for fig in figures.values():
        pyplot().close(fig)
    return logged


def _a(shape: str) -> str:
    return f"an {shape}" if shape[0] in "aeiou" else f"a {shape}"


def fair_test_leads(tracking: track.Tracking, model_name: str, version: str,
                    prepared: Prepared, data_sha256: str, shape: str | None
                    ) -> tuple[np.ndarray, str | None]:
    """Which of this run's test leads champion ``version`` can fairly be compared on (those
    newer than its own training data, ``training.promotion.unseen_test_leads``), or why it
    cannot be compared at all (another data shape; fitted on these leads)."""
    facts, tags = track.version_facts(tracking, model_name, version)
    n = len(prepared.split.test)
    champion_shape = tags.get("shape")
    if champion_shape and shape and champion_shape != shape:
        return np.zeros(n, dtype=bool), (
            f"the comparison cannot be made: champion v{version} was trained on "
            f"{_a(champion_shape)} export, this model on {_a(shape)} one, so it cannot score "
            f"these test leads")
    scored_at = prepared.scored_at
    unseen, why = unseen_test_leads(scored_at.loc[prepared.split.test]
                                    if scored_at is not None and prepared.by_time else None,
                                    facts, tags.get("data_sha256") == data_sha256)
    return unseen, None if why is None else f"the comparison cannot be made fairly: {why}"


def decide_alias(tracking: track.Tracking, cfg: TrainConfig, logged: track.LoggedModel,
                 record: RunRecord, policy: Policy) -> Decision:
    """Champion or challenger by the promotion policy, against the current champion re-scored
    on this run's test leads that it was not fitted on (``fair_test_leads``)."""
    x_test, y_test = record.prepared.part("test")
    p_new = record.curves["model"]
    new_loss = record.metrics["test_log_loss"]
    current = track.champion_version(tracking, cfg.model_name)
    old_loss, blocked, n = float("nan"), None, len(y_test)
    if current is not None:
        unseen, blocked = fair_test_leads(tracking, cfg.model_name, current, record.prepared,
                                          str(record.fingerprint["sha256"]),
                                          record.tags.get("shape"))
        if blocked is None:
            n = int(unseen.sum())
            new_loss = float(log_loss(y_test[unseen], p_new[unseen], labels=[0, 1]))
            try:
                champion = track.load_version(tracking, cfg.model_name, "champion")
                old_loss = loss_on(champion, x_test[unseen], y_test[unseen], current)
            except Exception as exc:  # an unloadable champion cannot be compared
                logger.warning("champion v%s cannot be loaded: %s", current, exc)
    return decide(logged.version, new_loss, current, old_loss,
                  tolerance=cfg.promotion_tolerance, policy=policy, n_test=n, blocked=blocked)


def after_step(step: str) -> None:
    """Called after each publishing step (``logged``, ``bundle``, ``alias``); does nothing.

    Tests replace it to stop a run right there, as a kill would."""


def publish(tracking: track.Tracking, cfg: TrainConfig, card: ModelCard, decision: Decision,
            model: Any, report_html: str, options: RunOptions,
            profile: dict[str, Any] | None = None) -> Path | None:
    """Log the card and the report to the run, export a champion whole to
    ``<models_dir>/champion``, and move the alias last; returns that folder for a champion,
    else None."""
    assert card.alias is not None and card.run_id is not None
    track.log_card_and_report(tracking, card.run_id, card, decision.to_dict(), report_html)
    after_step("logged")
    folder = None
    if card.alias == CHAMPION:
        folder = export_bundle(model, card, options.models_dir / "champion",
                               report_html=report_html, profile=profile)
        after_step("bundle")
    track.set_alias(tracking, cfg.model_name, card.alias, card.version, card.run_id)
    after_step("alias")
    options.progress(f"[7/7] logged run {card.run_id} as {cfg.model_name} v{card.version}: "
                     f"{card.alias} ({decision.reason})")
    return folder
