"""One training run on a flat export: read → roles → labels → split → features → leakage
check → fit → calibrate → evaluate → track → promote → report → export.

The steps after the features are those of the event shape (``training.train``): the same
candidates, calibration, evaluation, MLflow tracking, promotion rule, marketers' report
(``report.flat``) and model store. A flat export has no points score, so the comparison
is with the oracle only (demo data).
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from features.contract import ContractError
from features.flat import (
    flat_catalog,
    flat_features,
    lead_ids,
    lead_times,
    learn_vocabularies,
    reference_row,
    unreadable_cells,
)
from features.flat_read import FlatFile, read_flat
from features.leakage import LeakageFlag, detect_leakage, flagged_columns
from features.roles import (
    DEFAULT_PLACEHOLDERS,
    Mapping,
    blank_placeholders,
    format_role_table,
    infer_mapping,
    parse_labels,
    role_table,
)
from report.flat import flat_report_for_run
from scoring.card import ModelCard
from training.calibrate import calibrate
from training.config import TrainConfig
from training.evaluate import evaluate
from training.fit import fit_candidates
from training.importance import global_importances
from training.split import RANDOM_SPLIT_WARNING, Split, make_split
from training.train import (
    Progress,
    TooLittleData,
    drop_leaky,
    publish,
    test_metrics,
    track_and_decide,
)

logger = logging.getLogger(__name__)


@dataclass
class FlatTrainResult:
    """What a flat run produced; ``x``/``y`` are the labelled rows indexed by id."""

    metrics: dict[str, Any]
    evaluation: dict[str, Any]
    importances: pd.DataFrame
    model: Any
    mapping: Mapping
    x: pd.DataFrame
    y: pd.Series
    split: Split
    flags: list[LeakageFlag]
    decision: dict[str, Any] = field(default_factory=dict)


def resolve_mapping(flat: FlatFile, target: str | None, *, mapping: Mapping | str | Path | None,
                    id_column: str | None, time_column: str | None, positive: str | None,
                    placeholders: tuple[str, ...] | None) -> Mapping:
    """The mapping to use: the given one (file or object) with explicit options applied on top,
    or one inferred from the data. Columns of the file the mapping does not know are ignored."""
    frame = flat.frame
    if mapping is None:
        if target is None:
            raise ContractError("--target COLUMN is required for a flat export (the label, e.g. "
                                "Converted)")
        return infer_mapping(frame, target, id_column=id_column, time_column=time_column,
                             positive=positive, placeholders=placeholders or DEFAULT_PLACEHOLDERS,
                             decimal=flat.decimal)
    if not isinstance(mapping, Mapping):
        mapping = Mapping.load(mapping)
    missing = [c for c, r in mapping.roles.items() if c not in frame.columns and r != "ignore"]
    if missing:
        raise ContractError(f"{flat.path.name}: column(s) of the mapping not in the file: "
                            f"{missing}")
    roles = {c: mapping.roles.get(c, "ignore") for c in frame.columns}
    changes: dict[str, Any] = {"roles": roles}
    for name, value in (("target", target), ("id_column", id_column),
                        ("time_column", time_column), ("positive", positive),
                        ("placeholders", placeholders)):
        if value is not None:
            changes[name] = value
    if changes.get("target", mapping.target) is None:
        raise ContractError("the mapping names no target: pass --target COLUMN")
    data = {**mapping.to_dict(), **changes}
    return Mapping.from_dict(data)


def read_truth(path: Path, mapping: Mapping) -> pd.Series | None:
    """``truth.csv`` next to a demo export: p_true by id, for the oracle comparison."""
    truth_path = path.parent / "truth.csv"
    if mapping.id_column is None or not truth_path.exists():
        return None
    truth = pd.read_csv(truth_path, dtype={mapping.id_column: "str"})
    if mapping.id_column not in truth.columns or "p_true" not in truth.columns:
        return None
    return truth.set_index(mapping.id_column)["p_true"]


def fingerprint(flat: FlatFile, mapping: Mapping, n_labelled: int,
                scored_at: pd.Series) -> dict[str, object]:
    digest = hashlib.sha256(flat.path.read_bytes()).hexdigest()
    return {"sha256": digest, "source": str(flat.path), "shape": "flat",
            "n_leads": len(flat.frame), "n_labelled": n_labelled,
            "n_unlabelled": len(flat.frame) - n_labelled, "target": mapping.target,
            "id_column": mapping.id_column, "time_column": mapping.time_column,
            "mql_from": str(scored_at.min()), "mql_to": str(scored_at.max()),
            "delimiter": flat.delimiter, "decimal": flat.decimal}


def model_card_md(metrics: dict[str, Any], fp: dict[str, object], importances: pd.DataFrame,
                  leakage: dict[str, Any]) -> str:
    def cell(key: str) -> str:
        return f"{metrics[key]:.3f}" if key in metrics else "–"

    rows = "\n".join(f"| {name} | {cell('test_' + k)} | {cell('oracle_' + k)} |" for name, k in (
        ("ROC AUC", "auc"), ("PR AUC", "pr_auc"), ("log loss", "log_loss"), ("Brier", "brier"),
        ("ECE", "ece"), ("top-decile lift", "top_decile_lift")))
    top = "\n".join(f"- {r.label} ({r.direction})" for r in importances.head(8).itertuples())
    flags = "\n".join(f"- `{f['column']}` [{f['reason']}]: {f['evidence']}"
                      for f in leakage["leakage_flags"]) or "- none"
    return f"""# Lead conversion model (flat export)

**Predicts** P({fp['target']} = converted) for a row of a flat CRM export, calibrated
({metrics['calibration']}); chosen model `{metrics['chosen_model']}` by validation log loss.

**Data**: `{fp['source']}`, {fp['n_leads']:,} rows, {metrics['n_labelled']:,} labelled.
Fingerprint `{str(fp['sha256'])[:16]}`. Split {metrics['split']}: train {metrics['n_train']:,},
valid {metrics['n_valid']:,}, test {metrics['n_test']:,}.

## Test
| metric | model | oracle (true p) |
|---|---|---|
{rows}

## Leakage check
Dropped: {', '.join(leakage['dropped_columns']) or 'none'}; kept knowingly:
{', '.join(leakage['kept_columns']) or 'none'}.
{flags}

## What drives it
{top}
"""


def train_flat(
    path: str | Path,
    target: str | None = None,
    cfg: TrainConfig | None = None,
    *,
    id_column: str | None = None,
    time_column: str | None = None,
    mapping: Mapping | str | Path | None = None,
    mapping_out: str | Path | None = None,
    positive: str | None = None,
    placeholders: tuple[str, ...] | None = None,
    workdir: str | Path = ".",
    models_dir: str | Path = "models",
    promote: bool = False,
    dry_run: bool = False,
    progress: Progress = lambda line: logger.info("%s", line),
) -> FlatTrainResult:
    """Train, evaluate, track and (if at least as good as the champion) promote a model on a
    flat export (CSV or Parquet, one row per lead, a label column ``target``).

    ``dry_run``: stop after the role table and the leakage report (nothing fitted or logged);
    ``model`` is then None and ``metrics`` holds the split and the leakage record only.
    """
    cfg = cfg or TrainConfig()
    t0 = time.perf_counter()
    path = Path(path)
    flat = read_flat(path)
    progress(f"[1/7] data: {flat.describe()}")
    mapping = resolve_mapping(flat, target, mapping=mapping, id_column=id_column,
                              time_column=time_column, positive=positive,
                              placeholders=placeholders)
    progress("column roles (save with --mapping-out mapping.yaml, edit, pass back with "
             "--mapping):")
    progress(format_role_table(role_table(flat.frame, mapping), mapping))
    if mapping_out is not None:
        progress(f"mapping written to {mapping.save(mapping_out)}")

    assert mapping.target is not None
    frame = flat.frame.set_axis(lead_ids(flat.frame, mapping, path), axis=0)
    labels = parse_labels(frame[mapping.target], mapping.positive, mapping.placeholders)
    when = lead_times(frame, mapping)
    labelled = pd.DataFrame({"scored_at": when, "label": labels})[labels.notna()]
    n_pos, n_neg = int(labelled["label"].sum()), int((labelled["label"] == 0).sum())
    progress(f"[2/7] labels from {mapping.target!r}: {n_pos:,} converted, {n_neg:,} not, "
             f"{int(labels.isna().sum()):,} blank (left out)")
    if n_pos < cfg.min_positives or n_neg < cfg.min_negatives:
        raise TooLittleData(
            f"too little labelled history to learn from: {n_pos} converted and {n_neg} "
            f"unconverted rows (need at least {cfg.min_positives} and {cfg.min_negatives})")

    split = make_split(labelled, cfg.valid_fraction, cfg.test_fraction, cfg.seed)
    if split.kind == "random":
        progress(f"warning: {RANDOM_SPLIT_WARNING} (pass --time-column to split by time)")
    progress(f"[3/7] split ({split.kind}): train {len(split.train):,} "
             f"[{split.boundaries['train']}], valid {len(split.valid):,}, test "
             f"{len(split.test):,} [{split.boundaries['test']}]")
    rows = frame.loc[labelled.index]
    mapping = learn_vocabularies(rows.loc[split.train], mapping)
    x = flat_features(rows, mapping)
    y = labelled["label"].astype(int)
    progress(f"[4/7] features: {len(x):,} rows x {x.shape[1]} columns "
             f"({len(mapping.numeric)} numeric/yes-no, {len(mapping.categorical)} categorical)")
    for column, count, shown in unreadable_cells(rows, x, mapping):
        progress(f"note: {column!r}: {count:,} value(s) are not {mapping.roles[column]} "
                 f"values and count as missing (e.g. {', '.join(map(repr, shown))}); fix the "
                 f"export or set the column's role in the mapping")
    flags = detect_leakage(x.loc[split.train], y.loc[split.train], mapping.numeric,
                           mapping.categorical, cfg.leakage)
    x, leakage = drop_leaky(x, flags, cfg.keep_columns, progress)
    mapping = mapping.with_roles()
    for column in leakage["dropped_columns"]:
        mapping.roles[column] = "ignore"
        mapping.vocabularies.pop(column, None)
    if dry_run:
        progress("dry run: nothing fitted or logged")
        return FlatTrainResult({"split": split.kind, "shape": "flat", "dry_run": True,
                                **split.sizes(), **leakage}, {}, pd.DataFrame(), None, mapping,
                               x, y, split, flags)

    x_tr, y_tr = x.loc[split.train], y.loc[split.train].to_numpy()
    x_va, y_va = x.loc[split.valid], y.loc[split.valid].to_numpy()
    x_te, y_te = x.loc[split.test], y.loc[split.test].to_numpy()
    progress("[5/7] fitting candidates (chosen by validation log loss):")
    candidates = fit_candidates(x_tr, y_tr, x_va, y_va, mapping.numeric, mapping.categorical,
                                cfg, progress)
    best = candidates[0]
    calibrated = calibrate(best.pipeline, x_va, y_va, cfg.calibration_methods, cfg.seed)
    model = calibrated.model
    progress(f"[6/7] chose {best.name}; calibration {calibrated.method} (cross-validated log loss "
             + ", ".join(f"{m} {v:.4f}" for m, v in calibrated.cv_log_loss.items()) + ")")

    p_test = model.predict_proba(x_te)[:, 1]
    truth = read_truth(path, mapping)
    p_true = None if truth is None else truth.reindex(split.test).to_numpy()
    if p_true is not None and pd.isna(p_true).any():
        p_true = None
    evaluation = evaluate(y_te, p_test, None, p_true=p_true, bins=cfg.ece_bins)
    metrics: dict[str, Any] = test_metrics(evaluation)
    metrics.update(split.sizes())
    metrics.update({"n_labelled": len(y), "n_unlabelled": int(labels.isna().sum()),
                    "split": split.kind, "chosen_model": best.name,
                    "calibration": calibrated.method, "shape": "flat", **leakage})
    catalog = pd.DataFrame(flat_catalog(mapping))
    importances = global_importances(model, x_va, y_va, cfg.seed, catalog=catalog)
    fp = fingerprint(flat, mapping, len(y), labelled["scored_at"])
    curves = {"model": p_test}
    if p_true is not None:
        curves["oracle (true p)"] = p_true
    tracking, logged, decision = track_and_decide(
        cfg, workdir, model=model, best=best, calibrated=calibrated, candidates=candidates,
        x_train=x_tr, x_test=x_te, y_test=y_te, curves=curves, evaluation=evaluation,
        metrics=metrics, fp=fp, importances=importances,
        card_md=model_card_md(metrics, fp, importances, leakage), promote=promote,
        tags={"split": split.kind, "shape": "flat",
              "kept_columns": ",".join(leakage["kept_columns"]) or "(none)",
              "dropped_columns": ",".join(leakage["dropped_columns"])[:250] or "(none)"},
        json_artifacts={"leakage": leakage, "mapping": mapping.to_dict()})
    metrics["train_seconds"] = round(time.perf_counter() - t0, 1)
    card = ModelCard(
        shape="flat", version=logged.version, alias=decision["alias"],
        model_name=cfg.model_name, run_id=logged.run_id,
        trained_at=datetime.now(UTC).isoformat(), metrics=metrics, data_fingerprint=fp,
        mapping=mapping.to_dict(), features=flat_catalog(mapping),
        feature_names=list(x.columns), importances=importances.to_dict(orient="records"),
        reference=reference_row(x_tr, mapping), leakage=leakage)
    publish(tracking, cfg, logged, decision, model, card, metrics, models_dir, progress,
            flat_report_for_run(rows, mapping, labelled, split, p_test, importances, card, path,
                                int(labels.isna().sum())))
    if flagged_columns(flags) and leakage["kept_columns"]:
        progress("warning: kept flagged column(s) " + ", ".join(leakage["kept_columns"])
                 + ": the test metrics may be inflated")
    return FlatTrainResult(metrics, evaluation, importances, model, mapping, x, y, split, flags,
                           decision)


__all__ = ["train_flat", "FlatTrainResult", "resolve_mapping"]
