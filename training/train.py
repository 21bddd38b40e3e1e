"""One training run: load → features → labels → split → fit → calibrate → evaluate → track → promote.

Each step is a function in its own module; this one only wires them and reports progress.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

from features.build import CATEGORICAL, NUMERIC, build_features, feature_catalog, feature_matrix
from features.contract import CrmData, load_crm
from features.labels import Labels, make_labels
from features.leakage import LeakageFlag, detect_event_leakage, flagged_columns, format_report
from features.points import points_score
from features.rules import Rules, load_rules
from report import page as report
from scoring.bundle import export_bundle, write_report
from scoring.card import ModelCard
from scoring.compiled import reference_lead
from training import plots, track
from training.calibrate import Calibrated, calibrate
from training.config import TrainConfig
from training.evaluate import evaluate
from training.fit import Candidate, fit_candidates
from training.importance import global_importances
from training.split import Split, make_split

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]


class TooLittleData(ValueError):
    """There is not enough labelled history to learn from; the message says what is missing."""


@dataclass
class Prepared:
    """Model inputs and labels of the labelled leads, split, with the points score and truth."""

    x: pd.DataFrame
    y: pd.Series
    points: pd.Series
    groups: pd.Series
    labels: Labels
    split: Split
    p_true: pd.Series | None


@dataclass
class TrainResult:
    metrics: dict[str, Any]
    evaluation: dict[str, Any]
    importances: pd.DataFrame
    model: Any
    prepared: Prepared
    decision: dict[str, Any] = field(default_factory=dict)


def fingerprint(crm: CrmData, labels: Labels) -> dict[str, object]:
    """A hash of the validated tables plus the counts and dates that describe them."""
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


def read_truth(data_dir: Path | None) -> pd.Series | None:
    """``truth.csv`` (demo data only): each lead's true probability, for the oracle comparison."""
    if data_dir is None or not (data_dir / "truth.csv").exists():
        return None
    truth = pd.read_csv(data_dir / "truth.csv", dtype={"lead_id": "str"})
    return truth.set_index("lead_id")["p_true"]


def prepare(crm: CrmData, cfg: TrainConfig, rules: Rules, progress: Progress) -> Prepared:
    """Features at each lead's MQL time, labels, the refusal check and the split."""
    start = time.perf_counter()
    features = build_features(crm.leads, crm.activities, rules=rules)
    points = points_score(features, rules)["points_score"]
    progress(f"[2/7] features: {len(features):,} leads x {len(NUMERIC) + len(CATEGORICAL)} "
             f"features, point in time at MQL ({time.perf_counter() - start:.1f}s)")
    labels = make_labels(features["scored_at"], crm.outcomes, crm.as_of, cfg.horizon_days)
    counts = labels.counts()
    progress(f"[3/7] labels ({cfg.horizon_days}-day horizon, as_of {crm.as_of.date()}): "
             f"{counts['converted']:,} converted, {counts['not_converted']:,} not, "
             f"{labels.n_censored:,} censored (horizon not over by as_of, "
             f"{counts['censored_converted']:,} of them already converted: left out), "
             f"{counts['already_converted']:,} already SQL at scoring time (left out)")
    if counts["converted"] < cfg.min_positives or counts["not_converted"] < cfg.min_negatives:
        raise TooLittleData(
            f"too little labelled history to learn from: {counts['converted']} converted and "
            f"{counts['not_converted']} unconverted leads whose {cfg.horizon_days}-day horizon has "
            f"passed (need at least {cfg.min_positives} and {cfg.min_negatives}; "
            f"{labels.n_censored} more are censored). Export a longer history, shorten "
            f"--horizon-days, or lower --min-positives/--min-negatives knowingly.")
    labelled = labels.labelled
    split = make_split(labelled, cfg.valid_fraction, cfg.test_fraction, cfg.seed)
    progress(f"[4/7] split ({split.kind}): train {len(split.train):,} [{split.boundaries['train']}]"
             f", valid {len(split.valid):,} [{split.boundaries['valid']}], test "
             f"{len(split.test):,} [{split.boundaries['test']}]")
    x = feature_matrix(features.loc[labelled.index])
    p_true = read_truth(crm.source_dir)
    return Prepared(x, labelled["label"].astype(int), points.loc[labelled.index],
                    features.loc[labelled.index, "source"], labels, split,
                    None if p_true is None else p_true.reindex(labelled.index))


def test_metrics(evaluation: dict[str, Any]) -> dict[str, Any]:
    """Test metrics of the model, the points score (if any) and the oracle (if known)."""
    out: dict[str, Any] = {f"test_{k}": v for k, v in evaluation["overall"].items()}
    if "points" in evaluation:
        out.update({f"points_{k}": v for k, v in evaluation["points"].items()})
        out["gain_over_points_auc"] = out["test_auc"] - out["points_auc"]
    if "oracle" in evaluation:
        out.update({f"oracle_{k}": v for k, v in evaluation["oracle"].items()})
        out["gap_to_oracle_auc"] = out["oracle_auc"] - out["test_auc"]
    return out


def drop_leaky(x: pd.DataFrame, flags: list[LeakageFlag], keep: tuple[str, ...],
               progress: Progress) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Drop the flagged columns of ``x`` except those in ``keep``; report and return the record
    (``leakage_flags``, ``dropped_columns``, ``kept_columns``) for the metrics and MLflow."""
    unknown = [c for c in keep if c not in x.columns]
    if unknown:
        raise ValueError(f"--keep-column {unknown[0]!r} is not a feature column (features: "
                         f"{', '.join(x.columns)})")
    flagged = flagged_columns(flags)
    for column in keep:
        if column not in flagged:
            logger.warning("--keep-column %r: the column was not flagged", column)
    dropped = [c for c in flagged if c not in keep]
    progress(format_report(flags, keep))
    record = {"leakage_flags": [f.to_dict() for f in flags], "dropped_columns": dropped,
              "kept_columns": [c for c in keep if c in flagged]}
    return x.drop(columns=dropped), record


def track_and_decide(
    cfg: TrainConfig, workdir: str | Path, *, model: Any, best: Candidate,
    calibrated: Calibrated, candidates: list[Candidate], x_train: pd.DataFrame,
    x_test: pd.DataFrame, y_test: np.ndarray, curves: dict[str, np.ndarray],
    evaluation: dict[str, Any], metrics: dict[str, Any], fp: dict[str, object],
    importances: pd.DataFrame, card_md: str, promote: bool, tags: dict[str, str],
    json_artifacts: dict[str, Any] | None = None,
) -> tuple[track.Tracking, track.LoggedModel, dict[str, Any]]:
    """The shared tail of a run (either data shape): plots and tables, log the run and the
    model to MLflow, decide champion or challenger. Adds version, alias, run id and tracking URI
    to ``metrics``. ``curves``: label -> test scores, the model's first."""
    tracking = track.resolve_tracking(workdir)
    figures = {"reliability": plots.reliability_figure(evaluation["calibration"]),
               "roc_pr": plots.roc_pr_figure(y_test, curves),
               "lift": plots.lift_figure(y_test, curves),
               "importances": plots.importance_figure(importances)}
    tables = {"calibration": evaluation["calibration"], "importances": importances,
              "candidates": pd.DataFrame([{"name": c.name, "valid_log_loss": c.valid_log_loss,
                                           "fit_seconds": c.fit_seconds} for c in candidates])}
    if "slices" in evaluation:
        tables["slices_by_source"] = evaluation["slices"]
    logged = track.log_run(
        tracking, model=model, params={**cfg.as_params(), "chosen_model": best.name,
                                       "calibration": calibrated.method, **best.params},
        metrics={k: v for k, v in metrics.items() if not isinstance(v, str)},
        fingerprint=fp, figures=figures, tables=tables, model_card=card_md,
        input_example=x_train.head(5), model_name=cfg.model_name,
        tags={**tags, "data_sha256": str(fp["sha256"])}, json_artifacts=json_artifacts)
    for fig in figures.values():
        plots.plt.close(fig)
    decision = decide_alias(tracking, cfg, logged, metrics["test_log_loss"], x_test, y_test,
                            promote)
    metrics.update({"model_version": logged.version, "alias": decision["alias"],
                    "run_id": logged.run_id, "tracking_uri": tracking.tracking_uri})
    return tracking, logged, decision


def flat_metrics(evaluation: dict[str, Any], prepared: Prepared, crm: CrmData,
                 chosen: str, method: str) -> dict[str, Any]:
    out = test_metrics(evaluation)
    out.update(prepared.split.sizes())
    counts = prepared.labels.counts()
    out.update({"n_censored": prepared.labels.n_censored,
                "n_censored_converted": counts["censored_converted"],
                "n_rejected": crm.report.n_rejected,
                "n_labelled": len(prepared.y), "split": prepared.split.kind,
                "chosen_model": chosen, "calibration": method})
    return out


def model_card(metrics: dict[str, Any], fp: dict[str, object], importances: pd.DataFrame,
               cfg: TrainConfig) -> str:
    rows = [("ROC AUC", "test_auc", "points_auc", "oracle_auc"),
            ("PR AUC", "test_pr_auc", "points_pr_auc", "oracle_pr_auc"),
            ("log loss", "test_log_loss", None, "oracle_log_loss"),
            ("Brier", "test_brier", None, "oracle_brier"),
            ("ECE", "test_ece", None, "oracle_ece"),
            ("top-decile lift", "test_top_decile_lift", "points_top_decile_lift",
             "oracle_top_decile_lift")]

    def cell(key: str | None) -> str:
        return f"{metrics[key]:.3f}" if key and key in metrics else "–"

    table = "\n".join(f"| {name} | {cell(m)} | {cell(p)} | {cell(o)} |" for name, m, p, o in rows)
    top = "\n".join(f"- {r.label} ({r.family}, {r.direction})" for r in importances.head(8)
                    .itertuples())
    return f"""# Lead conversion model

**Predicts** the probability that an MQL becomes an SQL within {cfg.horizon_days} days of its
MQL time, from what was known at that moment (point in time). Calibrated
({metrics['calibration']}); chosen model `{metrics['chosen_model']}` by validation log loss.

**Data**: {fp['n_leads']:,} leads, MQLs {fp['mql_from']} to {fp['mql_to']}, as of {fp['as_of']};
{metrics['n_labelled']:,} labelled, {fp['n_censored']:,} censored (left out),
{fp['n_rejected']:,} rejected rows. Fingerprint `{str(fp['sha256'])[:16]}`.
Split {metrics['split']}: train {metrics['n_train']:,}, valid {metrics['n_valid']:,},
test {metrics['n_test']:,} (newest).

## Out-of-time test
| metric | model | points score | oracle (true p) |
|---|---|---|---|
{table}

## What drives it
{top}

## Limits
Scores leads at MQL time; a lead scored much later carries more behaviour than the model saw in
training. Conversion means the SQL milestone within the horizon as recorded in `outcomes`.
"""


def train(
    data_dir: str | Path,
    cfg: TrainConfig | None = None,
    *,
    workdir: str | Path = ".",
    models_dir: str | Path = "models",
    promote: bool = False,
    as_of: str | None = None,
    rules_path: str | Path | None = None,
    crm: CrmData | None = None,
    progress: Progress = lambda line: logger.info("%s", line),
) -> TrainResult:
    """Train, evaluate, track and (if at least as good as the champion) promote a model."""
    cfg = cfg or TrainConfig()
    rules = load_rules(rules_path)
    t0 = time.perf_counter()
    if crm is None:
        crm = load_crm(data_dir, as_of=as_of)
    progress(f"[1/7] data: {len(crm.leads):,} leads, {len(crm.activities):,} activities, "
             f"{crm.report.n_rejected:,} rejected rows")
    prepared = prepare(crm, cfg, rules, progress)
    y, split = prepared.y, prepared.split
    flags, notes = detect_event_leakage(
        prepared.x.loc[split.train], y.loc[split.train], list(NUMERIC), list(CATEGORICAL),
        crm.activities, crm.outcomes, cfg.leakage)
    for note in notes:
        progress(f"note: {note}")
    x, leakage = drop_leaky(prepared.x, flags, cfg.keep_columns, progress)
    prepared.x = x
    numeric = [c for c in NUMERIC if c in x.columns]
    categorical = [c for c in CATEGORICAL if c in x.columns]
    x_tr, y_tr = x.loc[split.train], y.loc[split.train].to_numpy()
    x_va, y_va = x.loc[split.valid], y.loc[split.valid].to_numpy()
    x_te, y_te = x.loc[split.test], y.loc[split.test].to_numpy()

    progress("[5/7] fitting candidates (chosen by validation log loss):")
    candidates = fit_candidates(x_tr, y_tr, x_va, y_va, numeric, categorical, cfg, progress)
    best = candidates[0]
    calibrated = calibrate(best.pipeline, x_va, y_va, cfg.calibration_methods, cfg.seed)
    model = calibrated.model
    progress(f"[6/7] chose {best.name}; calibration {calibrated.method} (cross-validated log loss "
             + ", ".join(f"{m} {v:.4f}" for m, v in calibrated.cv_log_loss.items()) + ")")

    p_test = model.predict_proba(x_te)[:, 1]
    p_true = None if prepared.p_true is None else prepared.p_true.loc[split.test].to_numpy()
    evaluation = evaluate(y_te, p_test, prepared.points.loc[split.test].to_numpy(),
                          p_true=p_true, groups=prepared.groups.loc[split.test], bins=cfg.ece_bins)
    metrics = flat_metrics(evaluation, prepared, crm, best.name, calibrated.method)
    metrics.update(leakage)
    importances = global_importances(model, x_va, y_va, cfg.seed)

    fp = fingerprint(crm, prepared.labels)
    curves = {"model": p_test, "points score": prepared.points.loc[split.test].to_numpy()}
    if p_true is not None:
        curves["oracle (true p)"] = p_true
    card_md = model_card(metrics, fp, importances, cfg)
    tracking, logged, decision = track_and_decide(
        cfg, workdir, model=model, best=best, calibrated=calibrated, candidates=candidates,
        x_train=x_tr, x_test=x_te, y_test=y_te, curves=curves, evaluation=evaluation,
        metrics=metrics, fp=fp, importances=importances, card_md=card_md, promote=promote,
        tags={"split": split.kind, "shape": "event"}, json_artifacts={"leakage": leakage})
    metrics["train_seconds"] = round(time.perf_counter() - t0, 1)
    card = ModelCard(
        shape="event", version=logged.version, alias=decision["alias"],
        model_name=cfg.model_name, run_id=logged.run_id,
        trained_at=datetime.now(UTC).isoformat(), horizon_days=cfg.horizon_days,
        metrics=metrics, data_fingerprint=fp,
        features=[f for f in feature_catalog().to_dict(orient="records")
                  if f["name"] in x.columns],
        importances=importances.to_dict(orient="records"),
        reference=reference_lead(x_tr, numeric, categorical))
    publish(tracking, cfg, logged, decision, model, card, metrics, models_dir, progress,
            report.report_for_run(crm, prepared, rules, p_test, importances, card))
    return TrainResult(metrics, evaluation, importances, model, prepared, decision)


def publish(tracking: track.Tracking, cfg: TrainConfig, logged: track.LoggedModel,
            decision: dict[str, Any], model: Any, card: ModelCard, metrics: dict[str, Any],
            models_dir: str | Path, progress: Progress, report_html: str) -> None:
    """Set the alias, log the report, and export a champion (report first) to ``models_dir``."""
    track.set_alias(tracking, cfg.model_name, decision["alias"], logged.version, logged.run_id,
                    decision, card)
    track.log_report(tracking, logged.run_id, report_html)
    if decision["alias"] == "champion":
        # the report first: the service picks it up with the new model.json
        write_report(report_html, Path(models_dir) / "champion")
        folder = export_bundle(model, card, Path(models_dir) / "champion")
        metrics["model_dir"] = str(folder)
    progress(f"[7/7] logged run {logged.run_id} as {cfg.model_name} v{logged.version}: "
             f"{decision['alias']} ({decision['reason']})")


def decide_alias(tracking: track.Tracking, cfg: TrainConfig, logged: track.LoggedModel,
                 new_loss: float, x_test: pd.DataFrame, y_test: np.ndarray,
                 promote: bool) -> dict[str, Any]:
    """Champion if at least as good as the current champion on the same test leads."""
    current = track.champion_version(tracking, cfg.model_name)
    decision: dict[str, Any] = {"new_version": logged.version, "new_test_log_loss": new_loss,
                                "champion_version": current, "forced": promote}
    if current is None:
        return {**decision, "alias": "champion", "reason": "no champion yet"}
    try:
        champion = track.load_version(tracking, cfg.model_name, "champion")
        old_loss = float(log_loss(y_test, champion.predict_proba(x_test)[:, 1], labels=[0, 1]))
    except Exception as exc:  # e.g. a champion trained on other features
        logger.warning("champion v%s cannot score these test leads: %s", current, exc)
        old_loss = float("nan")
    decision["champion_test_log_loss"] = old_loss
    comparison = (f"test log loss new v{logged.version} {new_loss:.5f} vs champion v{current} "
                  f"{old_loss:.5f} on the same {len(y_test):,} test leads")
    if promote:
        return {**decision, "alias": "champion", "reason": f"--promote forced; {comparison}"}
    if not np.isfinite(old_loss) or new_loss <= old_loss + cfg.promotion_tolerance:
        return {**decision, "alias": "champion", "reason": comparison}
    return {**decision, "alias": "challenger", "reason": comparison}
