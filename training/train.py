"""One training run, for both data shapes: load → label → split → features → leakage check → fit →
calibrate → evaluate → track → decide → publish.

The data adapter (``training.event_data.EventData`` for an event-shape folder,
``training.flat_data.FlatData`` for a flat export) does what depends on the shape; every step
after the features is shared. Each step is a function in its own module; this one wires them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.leakage import LeakageFlag, flagged_columns, format_report
from scoring.card import ModelCard
from scoring.metrics import (
    bootstrap_auc_difference,
    bootstrap_auc_interval,
    bootstrap_ece_difference,
    expected_calibration_error,
    newest_month,
)
from scoring.parity import check_rows, installed_sklearn_version
from scoring.profile import PROFILE_ARTIFACT, reference_profile
from training import track
from training.baseline import baseline_metrics, baseline_proba
from training.choose import Choice, blend_check, choose, fold_metrics
from training.config import RunOptions, TrainConfig, log_progress
from training.data import DataAdapter, Prepared, Progress, TooLittleData
from training.evaluate import evaluate
from training.event_data import EventData
from training.fit import Candidate, Recipe, fit_candidates
from training.flat_data import FlatData
from training.folds import selection_folds
from training.importance import global_importances
from training.promotion import Policy
from training.publish import RunRecord, decide_alias, log_run, publish, run_name
from training.refit import RecentFit, fit_recent, span
from training.split import RANDOM_SPLIT_WARNING, make_split
from training.timing import timed

logger = logging.getLogger(__name__)

# Permutation importance: rows of the test leads and shuffles per feature; computed through the
# compiled model (training.importance), exact, so fewer of either would only cost precision.
IMPORTANCE_ROWS, IMPORTANCE_REPEATS = 2000, 3

__all__ = ["train", "TrainResult", "TooLittleData", "EventData", "FlatData", "RunOptions"]


@dataclass
class TrainResult:
    """What a run produced. ``model`` is the published model (fitted on every labelled lead);
    ``evaluated_model`` the same procedure fitted on the leads before the test period, whose
    test scores the metrics measure. Both are None after a dry run (``metrics`` then holds the
    split and the leakage record only)."""

    metrics: dict[str, Any]
    evaluation: dict[str, Any]
    importances: pd.DataFrame
    model: Any
    prepared: Prepared
    config: TrainConfig
    flags: list[LeakageFlag] = field(default_factory=list)
    decision: dict[str, Any] = field(default_factory=dict)
    mapping: Any = None  # the flat export's final mapping (roles after the leakage check)
    evaluated_model: Any = None

    @property
    def x(self) -> pd.DataFrame:
        return self.prepared.x

    @property
    def y(self) -> pd.Series:
        return self.prepared.y

    @property
    def split(self) -> Any:
        return self.prepared.split


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


def as_adapter(data: DataAdapter | str | Path) -> DataAdapter:
    """A data adapter as given, or for a path: a folder is an event-shape export, a file a flat
    one (its label column then comes from a mapping; pass ``FlatData(path, target)``)."""
    if isinstance(data, (str, Path)):
        return FlatData(Path(data)) if Path(data).is_file() else EventData(data)
    return data


def prepare(adapter: DataAdapter, cfg: TrainConfig, progress: Progress) -> Prepared:
    """Labels, the split and the model inputs, before the leakage check."""
    labelled = adapter.load(cfg, progress)
    split = make_split(labelled.frame, cfg.valid_fraction, cfg.test_fraction, cfg.seed)
    if split.kind == "random":
        progress(f"warning: {RANDOM_SPLIT_WARNING} (pass --time-column to split by time)")
    b = split.boundaries
    progress(f"{adapter.split_step} split ({split.kind}): train {len(split.train):,} "
             f"[{b['train']}], valid {len(split.valid):,} [{b.get('valid', '')}], test "
             f"{len(split.test):,} [{b['test']}]")
    return adapter.features(labelled, split, progress)


def check_leakage(adapter: DataAdapter, prepared: Prepared, cfg: TrainConfig,
                  progress: Progress) -> tuple[list[LeakageFlag], dict[str, Any]]:
    """Flag leaky columns on the training rows and drop them from ``prepared`` (and the
    adapter's record of the model inputs), except those kept knowingly."""
    flags, notes = adapter.leakage(prepared, cfg)
    for note in notes:
        progress(f"note: {note}")
    prepared.x, leakage = drop_leaky(prepared.x, flags, cfg.keep_columns, progress)
    prepared.numeric = [c for c in prepared.numeric if c in prepared.x.columns]
    prepared.categorical = [c for c in prepared.categorical if c in prepared.x.columns]
    adapter.drop(leakage["dropped_columns"])
    return flags, leakage


def choose_recipe(prepared: Prepared, cfg: TrainConfig, progress: Progress) -> tuple[
        list[Candidate], Choice]:
    """Candidates compared on time-ordered folds of the history before the test period (each
    fold fitted on every lead before its block), floored by the default LogisticRegression
    (``training.choose``)."""
    when = prepared.scored_at if prepared.by_time else None
    folds = selection_folds(prepared.split, prepared.y, when, cfg.selection_folds, cfg.seed)
    how = ("time-ordered folds, each fitted on every lead before its block" if when is not None
           else "stratified folds (no time to order them by)")
    progress(f"[5/7] candidates compared on {len(folds)} {how}: "
             + "; ".join(f"fold {f.number} {len(f.held):,} leads [{f.span}]" for f in folds))
    ranked = fit_candidates(prepared.x, prepared.y, when, folds, prepared.numeric,
                            prepared.categorical, cfg, progress)
    fold_y = [prepared.y.loc[f.held].to_numpy() for f in folds]
    choice = choose(ranked, folds, fold_y, cfg.seed, cfg.baseline_guard_level, cfg.guard_folds)
    choice.blend = blend_check(ranked, fold_y, cfg.seed)
    if choice.blend:
        b = choice.blend
        progress(f"  (considered) blend {b['blend_of']}: validation log loss "
                 f"{b['blend_valid_calibrated_log_loss']:.4f} recalibrated, ROC AUC "
                 f"{b['blend_valid_auc']:.3f}; not published (one pipeline is served)")
    for note in choice.notes():
        progress(f"note: {note}")
    return ranked, choice


def refit(prepared: Prepared, ids: pd.Index, recipe: Recipe, cfg: TrainConfig, what: str,
          progress: Progress) -> RecentFit:
    """``training.refit.fit_recent`` on the leads ``ids``, said in one progress line first."""
    by_time = prepared.by_time
    window = (f"the newest {cfg.calibration_window:.0%} of them in {cfg.calibration_folds} "
              f"time blocks" if by_time else f"{cfg.calibration_folds} stratified folds")
    progress(f"  {what}: fitted on {len(ids):,} leads, calibrated on out-of-fold scores of "
             f"{window}")
    started = time.perf_counter()
    fitted = fit_recent(recipe, prepared.x.loc[ids], prepared.y.loc[ids], prepared.scored_at,
                        by_time, cfg, progress)
    progress(f"  {what}: done ({time.perf_counter() - started:.1f}s)")
    if fitted.note:
        progress(f"  note: {fitted.note}")
    return fitted


def newest_month_calibration(y: np.ndarray, p: np.ndarray, p_base: np.ndarray,
                             scored_at: pd.Series, cfg: TrainConfig,
                             progress: Progress) -> dict[str, Any]:
    """The model's ECE on the newest test month (with enough leads) beside the default
    LogisticRegression's, and whether it is worse beyond noise (paired bootstrap of the
    difference, ``cfg.calibration_check_level``): said in the progress, kept in the metrics and
    shown by the report. Empty without such a month."""
    found = newest_month(scored_at, cfg.newest_month_min_leads)
    if found is None:
        return {}
    month, rows = found
    y, p, p_base = y[rows], p[rows], p_base[rows]
    ece, base = (expected_calibration_error(y, q, cfg.ece_bins) for q in (p, p_base))
    low, high = bootstrap_ece_difference(y, p, p_base, cfg.ece_bins,
                                         level=cfg.calibration_check_level, seed=cfg.seed)
    worse = low > 0
    progress(f"ECE on the newest test month ({month}, {int(rows.sum()):,} leads): {ece:.3f}; "
             f"the default LogisticRegression's {base:.3f} (difference {low:+.3f} to "
             f"{high:+.3f})")
    if worse:
        progress(f"warning: on the newest test month ({month}) the model is calibrated worse "
                 f"than a default LogisticRegression beyond noise (ECE {ece:.3f} vs {base:.3f}); "
                 f"the report shows it")
    return {"newest_month": month, "n_newest_month": int(rows.sum()),
            "test_ece_newest_month": ece, "baseline_ece_newest_month": base,
            "ece_newest_month_vs_baseline_low": low, "ece_newest_month_vs_baseline_high": high,
            "calibration_worse_than_baseline": int(worse)}


def fit_and_evaluate(adapter: DataAdapter, prepared: Prepared, cfg: TrainConfig,
                     progress: Progress) -> RunRecord:
    """Choose the recipe; measure the procedure out of time (fitted and calibrated on every lead
    before the test period, scored on the test leads); then fit the published model the same way
    on every labelled lead."""
    x_te, y_te = prepared.part("test")
    split = prepared.split
    candidates, choice = choose_recipe(prepared, cfg, progress)
    best = choice.best
    history = split.train.append(split.valid)
    weighted = (f" (recent leads weighted more: half-life {best.recipe.half_life_days:g} days)"
                if best.recipe.half_life_days else "")
    progress(f"[6/7] chose {best.name}{weighted}; the procedure, measured on the "
             f"{len(split.test):,} test leads:")
    evaluated = refit(prepared, history, best.recipe, cfg, "evaluated model", progress)
    progress(f"  calibration {evaluated.method} (cross-validated log loss "
             + ", ".join(f"{m} {v:.4f}" for m, v in evaluated.cv_log_loss.items()) + ")")
    p_test = evaluated.model.predict_proba(x_te)[:, 1]
    points = None if prepared.points is None else prepared.points.loc[split.test].to_numpy()
    p_true = prepared.truth(split.test)
    groups = None if prepared.groups is None else prepared.groups.loc[split.test]
    evaluation = evaluate(y_te, p_test, points, p_true=p_true, bins=cfg.ece_bins, groups=groups)
    curves = {"model": p_test}
    if points is not None:
        curves["points score"] = points
    if p_true is not None:
        curves["oracle (true p)"] = p_true
    metrics = {**test_metrics(evaluation), **split.sizes(),
               "n_labelled": len(prepared.y), "split": split.kind,
               "chosen_model": best.name, "calibration": evaluated.method,
               **choice.metrics(), **adapter.facts()}
    metrics.update(fold_metrics(candidates))
    p_base = baseline_proba((prepared.x.loc[history], prepared.y.loc[history].to_numpy()), x_te,
                            prepared.numeric, prepared.categorical)
    metrics.update(baseline_metrics(y_te, p_base, cfg.ece_bins))
    metrics["test_auc_ci_low"], metrics["test_auc_ci_high"] = bootstrap_auc_interval(
        y_te, p_test, seed=cfg.seed)
    metrics["test_auc_vs_baseline_low"], metrics["test_auc_vs_baseline_high"] = \
        bootstrap_auc_difference(y_te, p_test, p_base, seed=cfg.seed)
    progress(f"test ROC AUC {metrics['test_auc']:.3f} (95% bootstrap interval "
             f"{metrics['test_auc_ci_low']:.3f}-{metrics['test_auc_ci_high']:.3f}); a default "
             f"LogisticRegression gets {metrics['baseline_auc']:.3f} (difference "
             f"{metrics['test_auc_vs_baseline_low']:+.3f} to "
             f"{metrics['test_auc_vs_baseline_high']:+.3f}), ECE {metrics['baseline_ece']:.3f} "
             f"(model {metrics['test_ece']:.3f})")
    if prepared.scored_at is not None:
        metrics.update(newest_month_calibration(y_te, p_test, p_base,
                                                prepared.scored_at.loc[split.test], cfg,
                                                progress))
    rows = min(IMPORTANCE_ROWS, len(x_te))
    with timed(progress, f"permutation importance of {x_te.shape[1]} features on {rows:,} test "
                         f"leads, {IMPORTANCE_REPEATS} repeats"):
        importances = global_importances(evaluated.model, x_te, y_te, cfg.seed,
                                         max_rows=IMPORTANCE_ROWS, repeats=IMPORTANCE_REPEATS,
                                         catalog=adapter.catalog(), n_jobs=cfg.n_jobs)
    progress("publishing the same procedure on every labelled lead:")
    published = refit(prepared, prepared.y.index, best.recipe, cfg, "published model",
                      progress)
    metrics.update(rows_used(prepared, evaluated, published))
    fingerprint = adapter.fingerprint(prepared)
    metrics.update(data_sha256=str(fingerprint["sha256"]), shape=adapter.shape)
    return RunRecord(published.model, best, published, candidates, prepared, evaluation, metrics,
                     importances, curves, fingerprint,
                     evaluated_model=evaluated.model)


def rows_used(prepared: Prepared, evaluated: RecentFit, published: RecentFit) -> dict[str, Any]:
    """Which leads the evaluation and the published model used, and their prior shifts."""
    scored_at, by_time = prepared.scored_at, prepared.by_time
    out: dict[str, Any] = {
        **evaluated.rows.describe("evaluation", scored_at),
        "evaluation_test_rows": len(prepared.split.test),
        "evaluation_test_span": (span(prepared.split.test, scored_at) if by_time
                                 else "random"),
        **published.rows.describe("published", scored_at),
        "published_calibration": published.method}
    if by_time and scored_at is not None:  # the newest lead the published model saw
        out["published_fit_until_ts"] = float(
            pd.Timestamp(scored_at.loc[published.rows.fit].max()).timestamp())
    for prefix, fitted in (("evaluation", evaluated), ("published", published)):
        if fitted.shift is not None:
            out.update({f"{prefix}_{k}": v for k, v in fitted.shift.metrics().items()})
    return out


def track_and_publish(adapter: DataAdapter, record: RunRecord, leakage: dict[str, Any],
                      cfg: TrainConfig, options: RunOptions, started: float) -> dict[str, Any]:
    """Log to MLflow, decide the alias, publish card, report and (champion) bundle; returns the
    decision. Adds version, alias, run id, tracking URI and the bundle folder to the metrics."""
    metrics = record.metrics
    progress = options.progress
    tracking = track.resolve_tracking(options.workdir)
    record.card_markdown = adapter.card_markdown(metrics, record.fingerprint,
                                                 record.importances, cfg)
    tags, record.json_artifacts = adapter.mlflow_extras(leakage)
    window = record.calibrated.rows.calibration  # what the probabilities are calibrated on
    with timed(progress, f"reference profile of the {len(window):,} calibration leads (for "
                         f"monitoring)"):
        record.json_artifacts[PROFILE_ARTIFACT] = profile = reference_profile(
            record.prepared.x.loc[window], record.model, record.prepared.y.loc[window],
            record.prepared.scored_at, str(record.fingerprint["sha256"])).to_dict()
    spans = {k: str(v) for k, v in metrics.items() if k.endswith("_span")}  # rows used
    record.tags = {"split": record.prepared.split.kind, **spans, **tags}
    # The card as known before registration: the registered pyfunc scores with it.
    record.card = adapter.card(record.prepared, leakage).replace(
        model_name=cfg.model_name, run_id=record.run_id, data_fingerprint=record.fingerprint,
        importances=record.importances.to_dict(orient="records"),
        checks=check_rows(record.prepared.part("train")[0]),
        sklearn_version=installed_sklearn_version())
    record.input_example = adapter.input_example(record.prepared)
    record.rules_path = getattr(getattr(adapter, "rules", None), "source", None)
    record.data_name = adapter.data_name()
    with timed(progress, f"logging the run to MLflow ({tracking.tracking_uri})"):
        logged = log_run(tracking, cfg, record, progress)
    with timed(progress, "comparing with the champion"):
        decision = decide_alias(tracking, cfg, logged, record, options.policy(cfg))
    metrics.update({"model_version": logged.version, "alias": decision.alias,
                    "run_id": logged.run_id, "tracking_uri": tracking.tracking_uri})
    metrics["train_seconds"] = round(time.perf_counter() - started, 1)
    card: ModelCard = record.card.replace(version=logged.version, alias=decision.alias,
                                          run_id=logged.run_id, metrics=metrics)
    with timed(progress, "writing the report"):
        page = adapter.report(record.prepared, record.curves["model"], record.importances,
                              card, record.evaluated_model)
    with timed(progress, "publishing (card and report to the run"
                         + (", the bundle" if decision.alias == "champion" else "")
                         + ", the alias)"):
        folder = publish(tracking, cfg, card, decision, record.model, page, options, profile)
    if folder is not None:
        metrics["model_dir"] = str(folder)
    return decision.to_dict()


def mark_dead_runs(tracking: track.Tracking, progress: Progress) -> list[str]:
    """Before a run starts: mark FAILED the runs a killed training left RUNNING in the store
    (``training.track.mark_dead_runs``), and say which."""
    dead = track.mark_dead_runs(tracking)
    for run_id in dead:
        progress(f"note: run {run_id} was left RUNNING by a training process that no longer "
                 f"exists: marked FAILED")
    return dead


def _failed(tracking: track.Tracking, run_id: str) -> None:
    """Mark the run of a training that stopped on an error FAILED (best effort)."""
    try:
        track.end_run(tracking, run_id, "FAILED")
    except Exception as exc:  # the store is down: the next training marks it
        logger.warning("cannot mark run %s FAILED: %s", run_id, exc)


def train(data: DataAdapter | str | Path, cfg: TrainConfig | None = None, *,
          workdir: str | Path = ".", models_dir: str | Path = "models",
          promote: Policy | None = None,
          dry_run: bool = False, progress: Progress = log_progress) -> TrainResult:
    """Train, evaluate and track a model; register it, and promote it by the promotion policy.

    Args:
        data: ``EventData(folder, ...)`` or ``FlatData(file, target, ...)``, or a path.
        cfg: what the run does (defaults: ``TrainConfig()``).
        workdir, models_dir, promote, dry_run, progress: see ``training.config.RunOptions``.
    """
    cfg = cfg or TrainConfig()
    options = RunOptions(Path(workdir), Path(models_dir), promote, dry_run, progress)
    t0 = time.perf_counter()
    adapter = as_adapter(data)
    prepared = prepare(adapter, cfg, progress)
    flags, leakage = check_leakage(adapter, prepared, cfg, progress)
    mapping = getattr(adapter, "mapping", None)
    if options.dry_run:
        progress("dry run: nothing fitted or logged")
        return TrainResult({"split": prepared.split.kind, "shape": adapter.shape,
                            "dry_run": True, **prepared.split.sizes(), **leakage}, {},
                           pd.DataFrame(), None, prepared, cfg, flags, mapping=mapping)
    tracking = track.resolve_tracking(options.workdir)
    mark_dead_runs(tracking, progress)
    # RUNNING until logged; a killed run stays so: see above
    run_id = track.open_run(tracking, run_name(adapter.data_name(), "training"))
    try:
        record = fit_and_evaluate(adapter, prepared, cfg, progress)
        record.metrics.update(leakage)
        record.run_id = run_id
        decision = track_and_publish(adapter, record, leakage, cfg, options, t0)
    except BaseException:
        _failed(tracking, run_id)
        raise
    if flagged_columns(flags) and leakage["kept_columns"]:
        progress("warning: kept flagged column(s) " + ", ".join(leakage["kept_columns"])
                 + ": the test metrics may be inflated")
    return TrainResult(record.metrics, record.evaluation, record.importances, record.model,
                       prepared, cfg, flags, decision, getattr(adapter, "mapping", None),
                       record.evaluated_model)
