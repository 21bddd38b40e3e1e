"""Model verbs: ``train`` (fit, evaluate, track, promote) and ``score`` (batch-score an export)."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from cli.output import fail, say

SUMMARY_ROWS = (
    ("ROC AUC", "test_auc", "points_auc", "oracle_auc"),
    ("PR AUC", "test_pr_auc", "points_pr_auc", "oracle_pr_auc"),
    ("log loss", "test_log_loss", None, "oracle_log_loss"),
    ("Brier", "test_brier", None, "oracle_brier"),
    ("ECE (10 bins)", "test_ece", None, "oracle_ece"),
    ("top-decile rate", "test_top_decile_rate", "points_top_decile_rate", "oracle_top_decile_rate"),
    ("top-decile lift", "test_top_decile_lift", "points_top_decile_lift", "oracle_top_decile_lift"),
)


def train_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="leadconv train",
                                description="Train, calibrate, evaluate out of time, log to "
                                            "MLflow, and promote if at least as good.")
    p.add_argument("--data", type=Path, required=True, help="event-shape export folder")
    p.add_argument("--horizon-days", type=int, default=90, help="conversion horizon (days)")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--metrics-out", type=Path, default=None, help="write flat metrics JSON here")
    p.add_argument("--promote", action="store_true",
                   help="make this model champion even if worse than the current one (logged)")
    p.add_argument("--workdir", type=Path, default=Path("."),
                   help="where the embedded MLflow store lives (mlflow.db, mlartifacts/) when "
                        "MLFLOW_TRACKING_URI is not set")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store; the champion is exported to MODELS_DIR/champion")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    p.add_argument("--min-positives", type=int, default=50)
    p.add_argument("--min-negatives", type=int, default=50)
    p.add_argument("--seed", type=int, default=42)
    return p


def _fmt(metrics: dict[str, Any], key: str | None) -> str:
    value = metrics.get(key) if key else None
    return f"{value:.3f}" if isinstance(value, float) and math.isfinite(value) else "-"


def summary_table(metrics: dict[str, Any]) -> str:
    lines = [f"{'out-of-time test':<18}{'model':>9}{'points':>9}{'oracle':>9}"]
    for name, model, points, oracle in SUMMARY_ROWS:
        lines.append(f"{name:<18}{_fmt(metrics, model):>9}{_fmt(metrics, points):>9}"
                     f"{_fmt(metrics, oracle):>9}")
    if "oracle_auc" in metrics:
        lines.append(f"gap to oracle AUC {metrics['gap_to_oracle_auc']:+.3f}; "
                     f"gain over points AUC {metrics['gain_over_points_auc']:+.3f}")
    return "\n".join(lines)


def train(args: argparse.Namespace) -> int:
    from training.config import TrainConfig
    from training.train import train as run_training

    cfg = TrainConfig(horizon_days=args.horizon_days, min_positives=args.min_positives,
                      min_negatives=args.min_negatives, seed=args.seed)
    result = run_training(args.data, cfg, workdir=args.workdir, models_dir=args.models_dir,
                          promote=args.promote, as_of=args.as_of, rules_path=args.rules,
                          progress=say)
    m = result.metrics
    say("")
    say(summary_table(m))
    say("")
    say(f"model    {m['chosen_model']} + {m['calibration']} calibration, "
        f"{cfg.model_name} v{m['model_version']} -> {m['alias']}")
    say(f"decision {result.decision['reason']}")
    say(f"data     train {m['n_train']:,} / valid {m['n_valid']:,} / test {m['n_test']:,} "
        f"({m['split']}); censored {m['n_censored']:,}; rejected rows {m['n_rejected']:,}")
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
    p = argparse.ArgumentParser(prog="leadconv score",
                                description="Batch-score leads with the champion model.")
    p.add_argument("--data", type=Path, required=True, help="event-shape export folder")
    p.add_argument("--out", type=Path, required=True, help="scores .csv or .parquet")
    p.add_argument("--at", default="as_of",
                   help="scoring moment: 'as_of' (the export date, default), 'mql' (each lead's "
                        "MQL time) or a timestamp")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store holding champion/")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    return p


def score(args: argparse.Namespace) -> int:
    from features.contract import load_crm
    from features.rules import load_rules
    from serving.scorer import Scorer, flat_scores

    scorer = Scorer.from_bundle(args.models_dir / "champion", load_rules(args.rules))
    crm = load_crm(args.data, as_of=args.as_of, require_outcomes=False)
    say(crm.report.summary())
    rejects = crm.report.write_rejects(args.out.with_name(args.out.stem + ".rejects.csv"))
    at = {"as_of": crm.as_of, "mql": None}.get(args.at, args.at)
    scores = scorer.score(crm.leads, crm.activities, at)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".parquet":
        flat_scores(scores).to_parquet(args.out, index=False)
    else:
        flat_scores(scores).to_csv(args.out, index=False)
    tiers = scores["tier"].value_counts().reindex(["hot", "warm", "cold"], fill_value=0)
    say(f"scored {len(scores):,} leads with model v{scorer.version} -> {args.out} "
        f"(hot {tiers['hot']:,}, warm {tiers['warm']:,}, cold {tiers['cold']:,}); "
        f"rejects: {rejects}")
    return 0


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from features.rules import RulesError
    from serving.store import StoreError
    from training.train import TooLittleData

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
