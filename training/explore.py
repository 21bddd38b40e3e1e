"""What the retraining notebook shows about a training run, beside the run itself: every candidate
with its validation metrics (the table the run logged to MLflow), the test curves inline (ROC and
precision-recall, lift, reliability) and a link to the run in the MLflow UI.

The notebook only calls these; each returns a value with a notebook view (``_repr_html_``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html import escape
from typing import Any

import pandas as pd

from report.charts import data_uri
from training import plots, track
from training.train import TrainResult

CANDIDATES_ARTIFACT = "tables/candidates.csv"
LOCAL_UI = "http://127.0.0.1:5000"  # where ``mlflow ui`` listens by default


def tracking_of(result: TrainResult) -> track.Tracking:
    """The tracking store the run was logged to (from its metrics)."""
    uri = str(result.metrics["tracking_uri"])
    return track.Tracking(uri, None, embedded=not uri.startswith(("http://", "https://")))


def candidates_table(result: TrainResult) -> pd.DataFrame:
    """Every candidate the run fitted: validation log loss (raw and recalibrated, the ranking
    key), validation ROC AUC, fit seconds, and ``chosen`` (the one the run published), best
    first. Read from the run's logged ``tables/candidates.csv``.

    Raises:
        LookupError: the run has no such table (a dry run, or the store is gone).
    """
    run_id = str(result.metrics.get("run_id", ""))
    text = track.load_run_text(tracking_of(result), run_id, CANDIDATES_ARTIFACT) if run_id \
        else None
    if text is None:
        raise LookupError(f"run {run_id or '?'} has no {CANDIDATES_ARTIFACT} (a dry run logs "
                          "nothing)")
    table = pd.read_csv(io.StringIO(text))
    table["chosen"] = table["name"] == result.metrics.get("chosen_model")
    return table.sort_values("valid_calibrated_log_loss", kind="stable").reset_index(drop=True)


def held_out_scores(result: TrainResult) -> tuple[Any, dict[str, Any]]:
    """(labels, {score name: scores}) of the run's out-of-time test leads: the evaluated model's
    probabilities, and the points score when the export has one."""
    prepared = result.prepared
    test = prepared.split.test
    model = result.evaluated_model if result.evaluated_model is not None else result.model
    curves = {"model": model.predict_proba(prepared.x.loc[test])[:, 1]}
    if prepared.points is not None:
        curves["points score"] = prepared.points.loc[test].to_numpy(dtype=float)
    return prepared.y.loc[test].to_numpy(), curves


@dataclass
class EvaluationCurves:
    """ROC and precision-recall, lift and reliability of the run's test leads, as PNGs."""

    roc_pr: str = field(repr=False)
    lift: str = field(repr=False)
    reliability: str = field(repr=False)
    n: int = 0

    def _repr_html_(self) -> str:
        images = "".join(f'<img src="{uri}" alt="{escape(alt)}" style="max-width:100%">'
                         for uri, alt in ((self.roc_pr, "ROC and precision-recall"),
                                          (self.lift, "lift by decile"),
                                          (self.reliability, "reliability")))
        return (f"<p>Out-of-time test set: {self.n:,} leads.</p>"
                f'<div style="display:flex;flex-wrap:wrap;gap:12px">{images}</div>')


def evaluation_curves(result: TrainResult) -> EvaluationCurves:
    """The run's test curves (``training.plots``), drawn once, shown inline in a notebook."""
    y, curves = held_out_scores(result)
    return EvaluationCurves(data_uri(plots.roc_pr_figure(y, curves)),
                      data_uri(plots.lift_figure(y, curves)),
                      data_uri(plots.reliability_figure(result.evaluation["calibration"])),
                      len(y))


@dataclass
class RunLink:
    """Where to open a run in the MLflow UI, and how to start the UI on an embedded store."""

    url: str
    command: str | None
    run_id: str

    def _repr_html_(self) -> str:
        start = (f"<p>Start the UI first: <code>{escape(self.command)}</code></p>"
                 if self.command else "")
        return (f'<p>MLflow run <a href="{escape(self.url)}" target="_blank">{self.run_id}</a>'
                f" ({escape(self.url)})</p>{start}")

    def __str__(self) -> str:
        return self.url


def run_link(result: TrainResult, ui: str | None = None) -> RunLink:
    """The run's page in the MLflow UI: on the tracking server when the run was logged to one,
    else on ``ui`` (default ``mlflow ui``'s local address), with the command that starts the UI
    on the embedded store. The UI's ``#/runs/<run id>`` page opens the run in its experiment."""
    run_id = str(result.metrics["run_id"])
    uri = str(result.metrics["tracking_uri"])
    remote = uri.startswith(("http://", "https://"))
    base = (ui or (uri if remote else LOCAL_UI)).rstrip("/")
    command = None if remote else f"mlflow ui --backend-store-uri {uri}"
    return RunLink(f"{base}/#/runs/{run_id}", command, run_id)
