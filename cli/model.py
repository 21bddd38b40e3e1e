"""Model verbs: ``train`` (fit, evaluate, track, promote) and ``score`` (batch-score an export).

Both take either data shape: ``--data`` a folder (event shape: leads, activities, outcomes) or a
file (flat export, one row per lead; ``train`` then needs ``--target``).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from cli.data import add_engine_options, add_file_options
from cli.database import add_database_option
from cli.output import HelpFormatter, fail, say

SUMMARY_ROWS = (
    ("ROC AUC", "test_auc", "points_auc", "oracle_auc"),
    ("PR AUC", "test_pr_auc", "points_pr_auc", "oracle_pr_auc"),
    ("log loss", "test_log_loss", None, "oracle_log_loss"),
    ("Brier", "test_brier", None, "oracle_brier"),
    ("ECE (10 bins)", "test_ece", None, "oracle_ece"),
    ("top-decile rate", "test_top_decile_rate", "points_top_decile_rate", "oracle_top_decile_rate"),
    ("top-decile lift", "test_top_decile_lift", "points_top_decile_lift", "oracle_top_decile_lift"),
)


def add_data_options(p: argparse.ArgumentParser, *, dry_run: bool = False) -> None:
    """The training data and what shapes a run, shared by ``train`` and ``retrain``
    (``dry_run``: with ``--dry-run``, which only ``train`` has; it also takes ``--features``
    instead of ``--data``)."""
    if dry_run:
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", type=Path,
                            help="event-shape export folder, or a flat export file "
                                 "(.csv, .parquet)")
        source.add_argument("--features", type=Path, default=None, metavar="FILE",
                            help="a training table (.parquet) made by `leadconv features "
                                 "--engine spark`: fit on one machine from the per-lead table "
                                 "built elsewhere (same model as training from the folder)")
    else:
        p.add_argument("--data", type=Path, required=True,
                       help="event-shape export folder, or a flat export file (.csv, .parquet)")
    p.add_argument("--horizon-days", type=int, default=90, help="conversion horizon (days)")
    flat = p.add_argument_group("flat export (--data FILE)")
    flat.add_argument("--target", default=None, help="the label column, e.g. Converted")
    flat.add_argument("--id-column", default=None, help="the lead id column (kept in scores)")
    flat.add_argument("--time-column", default=None,
                      help="when each lead became an MQL: out-of-time split (without one: a "
                           "random stratified split, with a warning)")
    flat.add_argument("--mapping", type=Path, default=None,
                      help="column roles (YAML), as written by --mapping-out and edited")
    flat.add_argument("--mapping-out", type=Path, default=None,
                      help="write the inferred column roles here (YAML) to edit and pass back")
    flat.add_argument("--positive", default=None,
                      help="the label value meaning converted, when not 1/yes/true/converted")
    flat.add_argument("--placeholders", default=None,
                      help="comma-separated values meaning 'not answered' (default: Select, "
                           "N/A, NA, -, --, null, None, ?, Unknown, not provided, blank)")
    if dry_run:
        flat.add_argument("--dry-run", action="store_true",
                          help="print the column roles and the leakage report (and write "
                               "--mapping-out), then stop: nothing is trained or logged")
    p.add_argument("--keep-column", action="append", default=[], metavar="NAME",
                   help="keep a column the leakage check flags (repeatable; logged to MLflow)")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--workdir", type=Path, default=Path("."),
                   help="where the embedded MLflow store lives (mlflow.db, mlartifacts/) when "
                        "MLFLOW_TRACKING_URI is not set")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store; the champion is exported to MODELS_DIR/champion")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    add_file_options(p)
    p.add_argument("--min-positives", type=int, default=50)
    p.add_argument("--min-negatives", type=int, default=50)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--outcomes-from-store", action="store_true",
                   help="event shape: complete the export's outcomes with those fed back to the "
                        "prediction store (POST /v1/outcomes, `leadconv outcomes import`); the "
                        "export's outcomes file may then be missing")
    add_database_option(p)


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter, prog="leadconv train",
                                description="Train, calibrate, evaluate out of time, log to "
                                            "MLflow and register the model as challenger "
                                            "(--promote-if-better: champion if at least as "
                                            "good as the current one).")
    add_data_options(p, dry_run=True)
    p.add_argument("--metrics-out", type=Path, default=None, help="write flat metrics JSON here")
    promote = p.add_mutually_exclusive_group()
    promote.add_argument("--promote-if-better", dest="promote", action="store_const",
                         const="if_better",
                         help="make this model champion when there is none yet, or when its "
                              "test log loss is at most the champion's on the same test leads; "
                              "never when the two cannot be compared")
    promote.add_argument("--promote", dest="promote", action="store_const", const="always",
                         help="make this model champion even if worse than the current one, or "
                              "not comparable (logged)")
    return p


def train_config(args: argparse.Namespace) -> Any:
    """The ``TrainConfig`` the data options ask for."""
    from training.config import TrainConfig

    return TrainConfig(horizon_days=args.horizon_days, min_positives=args.min_positives,
                       min_negatives=args.min_negatives, seed=args.seed,
                       keep_columns=tuple(args.keep_column))


def data_adapter(args: argparse.Namespace) -> Any:
    """The training data the options name: ``FlatData`` for a file, ``EventData`` for a folder.

    Raises ValueError when flat-export options are given with a folder."""
    from features.prescan import FileLimits
    from training.train import EventData, FlatData

    if getattr(args, "features", None) is not None:
        from training.table_data import TableData

        if args.target or args.mapping or args.outcomes_from_store or args.as_of:
            raise ValueError("--features takes the training table as it was built: leave out "
                             "--target, --mapping, --as-of and --outcomes-from-store")
        return TableData(args.features, rules_path=args.rules)
    if args.data.is_file():
        placeholders = (None if args.placeholders is None
                        else tuple(v.strip() for v in args.placeholders.split(",")))
        return FlatData(
            args.data, args.target, mapping=args.mapping, mapping_out=args.mapping_out,
            id_column=args.id_column, time_column=args.time_column, positive=args.positive,
            placeholders=placeholders, date_order=args.date_order,
            limits=FileLimits.from_mb(args.max_file_mb))
    if args.target or args.mapping:
        raise ValueError(f"--target and --mapping are for a flat export file; {args.data} is "
                         f"a folder (event shape)")
    if args.outcomes_from_store and args.data.is_file():
        raise ValueError("--outcomes-from-store is for an event-shape folder (its outcomes "
                         "table); a flat export has its label column")
    extra = None
    if args.outcomes_from_store:
        from cli.database import open_store
        from store.outcomes import read_outcomes

        extra = read_outcomes(open_store(args))
    return EventData(args.data, as_of=args.as_of, rules_path=args.rules,
                     date_order=args.date_order, max_file_mb=args.max_file_mb,
                     extra_outcomes=extra)


def _fmt(metrics: dict[str, Any], key: str | None) -> str:
    value = metrics.get(key) if key else None
    return f"{value:.3f}" if isinstance(value, float) and math.isfinite(value) else "-"


def summary_table(metrics: dict[str, Any]) -> str:
    lines = [f"{'out-of-time test':<18}{'model':>9}{'points':>9}{'oracle':>9}"
             f"{'default LR':>12}"]
    for name, model, points, oracle in SUMMARY_ROWS:
        baseline = "baseline_" + model.removeprefix("test_")
        lines.append(f"{name:<18}{_fmt(metrics, model):>9}{_fmt(metrics, points):>9}"
                     f"{_fmt(metrics, oracle):>9}{_fmt(metrics, baseline):>12}")
    notes = []
    if "oracle_auc" in metrics:
        notes.append(f"gap to oracle AUC {metrics['gap_to_oracle_auc']:+.3f}")
    if "points_auc" in metrics:
        notes.append(f"gain over points AUC {metrics['gain_over_points_auc']:+.3f}")
    if "baseline_auc" in metrics:
        gain = (f"gain over a default LogisticRegression AUC "
                f"{metrics['test_auc'] - metrics['baseline_auc']:+.3f}")
        if "test_auc_vs_baseline_low" in metrics:
            gain += (f" (paired interval {metrics['test_auc_vs_baseline_low']:+.3f} to "
                     f"{metrics['test_auc_vs_baseline_high']:+.3f})")
        notes.append(gain)
    if "test_auc_ci_low" in metrics:
        notes.append(f"test AUC 95% interval {metrics['test_auc_ci_low']:.3f}-"
                     f"{metrics['test_auc_ci_high']:.3f}")
    if notes:
        lines.append("; ".join(notes))
    folds = int(metrics.get("selection_folds", 0))
    if folds:
        lines.append("chosen on " + "; ".join(
            f"fold {k} [{metrics.get(f'selection_fold{k}_span', '')}] AUC "
            f"{_fmt(metrics, f'chosen_fold{k}_auc')} vs default "
            f"{_fmt(metrics, f'baseline_fold{k}_auc')}" for k in range(1, folds + 1)))
    if metrics.get("calibration_worse_than_baseline"):
        lines.append(f"warning: on the newest test month ({metrics['newest_month']}) the model is "
                     f"calibrated worse than the default LogisticRegression beyond noise (ECE "
                     f"{metrics['test_ece_newest_month']:.3f} vs "
                     f"{metrics['baseline_ece_newest_month']:.3f})")
    return "\n".join(lines)


def train(args: argparse.Namespace) -> int:
    from training.train import train as run_training

    cfg = train_config(args)
    data = data_adapter(args)
    result = run_training(data, cfg, workdir=args.workdir, models_dir=args.models_dir,
                          promote=args.promote, dry_run=args.dry_run, progress=say)
    if args.dry_run:
        return 0
    m = result.metrics
    say("")
    say(summary_table(m))
    say("")
    say(f"model    {m['chosen_model']} + {m['calibration']} calibration, "
        f"{cfg.model_name} v{m['model_version']} -> {m['alias']}")
    say(f"decision {result.decision['reason']}")
    if m.get("shape") == "flat":
        say(f"data     train {m['n_train']:,} / valid {m['n_valid']:,} / test {m['n_test']:,} "
            f"({m['split']}); blank labels {m['n_unlabelled']:,}")
    else:
        say(f"data     train {m['n_train']:,} / valid {m['n_valid']:,} / test "
            f"{m['n_test']:,} ({m['split']}); censored {m['n_censored']:,}; rejected rows "
            f"{m['n_rejected']:,}")
    if m["dropped_columns"] or m["kept_columns"]:
        say(f"leakage  dropped {', '.join(m['dropped_columns']) or 'none'}; kept "
            f"{', '.join(m['kept_columns']) or 'none'}")
    say(f"time     {m['train_seconds']:.1f}s")
    say(f"mlflow   {m['tracking_uri']}")
    if "model_dir" in m:
        say(f"model    {m['model_dir']}/")
    if args.metrics_out:
        args.metrics_out.parent.mkdir(parents=True, exist_ok=True)
        args.metrics_out.write_text(json.dumps(m, indent=2, default=str))
        say(f"metrics  {args.metrics_out}")
    return 0


def score_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter, prog="leadconv score",
                                description="Batch-score leads with the champion model.")
    p.add_argument("--data", required=True,
                   help="event-shape export folder, or a flat export file when the champion was "
                        "trained on one (the label column may be there or not)")
    p.add_argument("--out", required=True,
                   help="scores .csv or .parquet (--engine spark: also a folder or URL, "
                        "written as Parquet by Spark)")
    p.add_argument("--at", default="as_of",
                   help="scoring moment: 'as_of' (the export date, default), 'mql' (each lead's "
                        "MQL time) or a timestamp")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store holding champion/")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    p.add_argument("--all-leads", action="store_true",
                   help="score every lead; default: only leads still open at their scoring "
                        "moment (not converted, not disqualified, within the model's horizon "
                        "of their MQL time)")
    add_database_option(p)
    add_file_options(p)
    add_engine_options(p)
    return p


def open_only(crm: Any, at: Any, horizon_days: int | None) -> tuple[Any, Any, str]:
    """The leads (and their activities) still open at their scoring moment, and a line saying
    how many were left out and why (``features.labels.open_leads``)."""
    from features.build import scoring_moments
    from features.labels import open_leads

    horizon = horizon_days or 90
    is_open = open_leads(crm.leads, crm.outcomes, scoring_moments(crm.leads, at), horizon)
    keep = is_open.to_numpy()
    leads = crm.leads[keep]
    activities = crm.activities[crm.activities["lead_id"].isin(leads["lead_id"])]
    note = (f"{int(keep.sum()):,} open leads scored; {int((~keep).sum()):,} left out (converted, "
            f"disqualified or over {horizon} days past MQL at their scoring moment; "
            f"--all-leads scores them too)")
    return leads, activities, note


def score_spark(args: argparse.Namespace) -> int:
    """``leadconv score --engine spark``: the same scores and rejects, computed on Spark. A
    ``.csv`` / ``.parquet`` ``--out`` is written on the driver exactly as the default engine
    writes it; any other ``--out`` (a folder or URL) is written by Spark as Parquet, rejects
    next to it (``<out>.rejects``). The prediction log is not written."""
    from engines.spark import score as spark_score
    from engines.spark import session, typed_rows
    from scoring.event import flat_scores

    if not args.all_leads:
        return fail("--engine spark scores every lead of the export: add --all-leads (leaving "
                    "out the leads no longer open runs on one machine only, for now)")
    spark = session(args.spark_master)
    result = spark_score(spark, args.data_text, args.models_dir / "champion",
                         rules_path=args.rules, as_of=args.as_of, at=args.at,
                         buckets=args.buckets, date_order=args.date_order, progress=say)
    say(result.summary())
    out = args.out_text
    if args.out.suffix in (".csv", ".parquet") and "://" not in out:
        rejects = args.out.with_name(args.out.stem + ".rejects.csv")
        rejects.parent.mkdir(parents=True, exist_ok=True)
        from features.rejects import REJECT_COLUMNS

        result.rejects_frame().loc[:, list(REJECT_COLUMNS)].to_csv(rejects, index=False)
        scores = result.frame(parse_json=True)
        _write(flat_scores(scores), args.out)
        tiers = scores["tier"].value_counts().reindex(["hot", "warm", "cold"], fill_value=0)
        say(f"scored {len(scores):,} leads with model v{result.extras['model_version']} on "
            f"Spark ({result.buckets} buckets) -> {args.out} (hot {tiers['hot']:,}, warm "
            f"{tiers['warm']:,}, cold {tiers['cold']:,}); rejects: {rejects}")
    else:
        typed_rows(result).write.mode("overwrite").parquet(out)
        result.rejects.write.mode("overwrite").parquet(out.rstrip("/") + ".rejects")
        say(f"scored with model v{result.extras['model_version']} on Spark ({result.buckets} "
            f"buckets) -> {out} (Parquet); rejects: {out.rstrip('/')}.rejects")
    say("prediction log: not written by --engine spark")
    return 0


def _log_scores(args: argparse.Namespace, scores: Any, prints: list[str] | None) -> str:
    """Record the scores in the prediction log (origin ``batch``); a line saying where."""
    from cli.database import database_url
    from store.database import open_database, safe_url
    from store.predictions import insert_rows, rows_of

    url = database_url(args)
    if url is None:
        return "prediction log off"
    columns = {c: scores[c].to_numpy() for c in scores.columns if c not in ("reasons_up",
                                                                             "reasons_down")}
    engine = open_database(url)
    rows = rows_of(columns, "batch", prints)
    for start in range(0, len(rows), 5000):
        insert_rows(engine, rows[start:start + 5000])
    return f"logged {len(rows):,} scores in {safe_url(url)}"


def _flat_log_columns(scores: Any, frame: Any, scorer: Any) -> Any:
    """A flat export's scores as log columns: its id column (else the row number) as lead id,
    the export's time column (else now) as the scoring moment."""
    import pandas as pd

    from features.flat import lead_times

    out = scores[["probability", "score", "tier"]].copy()
    id_column = scorer.mapping.id_column
    out["lead_id"] = (frame[id_column].astype("str").to_numpy() if id_column in frame.columns
                      else [f"row{i + 1}" for i in range(len(frame))])
    now = pd.Timestamp.now(tz="UTC")
    when = pd.Series(pd.to_datetime(lead_times(frame, scorer.mapping), utc=True))
    out["scored_at"] = when.fillna(now).to_numpy()
    out["model_version"] = scorer.version
    return out


def _write(frame, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)


def score_flat(args: argparse.Namespace) -> int:
    from features.flat_read import read_flat
    from features.prescan import FileLimits
    from features.rules import load_rules
    from scoring.flat import FlatScorer

    scorer = FlatScorer.from_bundle(args.models_dir / "champion", load_rules(args.rules))
    if not args.data.is_file():
        return fail(f"the champion (v{scorer.version}) was trained on a flat export: pass a "
                    f"file with --data, not the folder {args.data}")
    flat = read_flat(args.data, limits=FileLimits.from_mb(args.max_file_mb))
    say(flat.describe())
    from features.flat import unreadable_cells
    from scoring.event import flat_scores

    scores = scorer.score(flat.frame)
    for column, count, shown in unreadable_cells(flat.frame, scorer.features(flat.frame),
                                                 scorer.mapping):
        say(f"note: {column!r}: {count:,} value(s) are not {scorer.mapping.roles[column]} values "
            f"and count as missing (e.g. {', '.join(map(repr, shown))})")
    _write(flat_scores(scores), args.out)
    tiers = scores["tier"].value_counts().reindex(["hot", "warm", "cold"], fill_value=0)
    say(f"scored {len(scores):,} leads with model v{scorer.version} -> {args.out} "
        f"(hot {tiers['hot']:,}, warm {tiers['warm']:,}, cold {tiers['cold']:,})")
    features = scorer.features(flat.frame)
    say(_log_scores(args, _flat_log_columns(scores, flat.frame, scorer),
                    _fingerprints(args, scorer, {c: features[c].to_numpy()
                                                 for c in features.columns})))
    target = scorer.mapping.target
    if target in scores.columns and scores[target].nunique() == 2:
        from sklearn.metrics import roc_auc_score

        known = scores[target].notna()
        auc = roc_auc_score(scores.loc[known, target].astype(int), scores.loc[known, "probability"])
        say(f"the file has the label {target!r}: ROC AUC on its {int(known.sum()):,} labelled "
            f"rows {auc:.3f}")
    return 0


def score(args: argparse.Namespace) -> int:
    # --data and --out as typed (a URL keeps its "//"), and as local paths
    args.data_text, args.out_text = args.data, args.out
    args.data, args.out = Path(args.data), Path(args.out)
    from features.contract import load_crm
    from features.prescan import FileLimits
    from features.rules import load_rules
    from scoring.bundle import read_card
    from scoring.event import Scorer, flat_scores

    if read_card(args.models_dir / "champion").is_flat:
        if args.engine == "spark":
            return fail("--engine spark scores event-shape exports; the champion was trained "
                        "on a flat export")
        return score_flat(args)
    if args.engine == "spark":
        return score_spark(args)
    scorer = Scorer.from_bundle(args.models_dir / "champion", load_rules(args.rules))
    crm = load_crm(args.data, as_of=args.as_of, require_outcomes=False,
                   date_order=args.date_order, limits=FileLimits.from_mb(args.max_file_mb))
    say(crm.report.summary())
    rejects = crm.report.write_rejects(args.out.with_name(args.out.stem + ".rejects.csv"))
    at = {"as_of": crm.as_of, "mql": None}.get(args.at, args.at)
    leads, activities = crm.leads, crm.activities
    if not args.all_leads:
        leads, activities, note = open_only(crm, at, scorer.card.horizon_days)
        say(note)
    scores, table = scorer.score_and_table(leads, activities, at)
    _write(flat_scores(scores), args.out)
    tiers = scores["tier"].value_counts().reindex(["hot", "warm", "cold"], fill_value=0)
    say(f"scored {len(scores):,} leads with model v{scorer.version} -> {args.out} "
        f"(hot {tiers['hot']:,}, warm {tiers['warm']:,}, cold {tiers['cold']:,}); "
        f"rejects: {rejects}")
    say(_log_scores(args, scores, _fingerprints(args, scorer, table)))
    return 0


def _fingerprints(args: argparse.Namespace, scorer: Any, table: Any) -> list[str] | None:
    from scoring.fingerprint import fingerprints
    from scoring.load import champion_profile

    profile = champion_profile(args.models_dir / "champion", scorer.card)
    return None if profile is None else fingerprints(profile, table)


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from features.rules import RulesError
    from scoring.bundle import StoreError
    from training.data import TooLittleData

    try:
        if verb == "train":
            return train(train_parser().parse_args(argv))
        return score(score_parser().parse_args(argv))
    except TooLittleData as exc:
        return fail(f"refusing to train: {exc}")
    except StoreError as exc:
        return fail(f"{exc}. Run `leadconv train --data DIR` first.")
    except (ContractError, RulesError, ValueError) as exc:
        return fail(str(exc))
