"""``leadconv demo``: the main job on the embedded default (what ``make demo`` runs).

Generates the demo CRM history (unless it is already there), validates it against the contract,
builds the point-in-time feature table with BANT flags and the points score, trains and calibrates
a model (tracked in the embedded MLflow store, promoted if at least as good as the champion), and
batch-scores the leads with the champion.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cli.output import RawHelpFormatter, say


def parser() -> argparse.ArgumentParser:
    from demodata.events import DEFAULT_LEADS

    p = argparse.ArgumentParser(prog="leadconv demo", description=__doc__,
                                formatter_class=RawHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("demo"), help="working folder")
    p.add_argument("--leads", type=int, default=DEFAULT_LEADS, help="number of demo MQLs")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--fresh", action="store_true", help="regenerate the demo data")
    p.add_argument("--workdir", type=Path, default=Path("."),
                   help="where the embedded MLflow store lives (mlflow.db, mlartifacts/)")
    p.add_argument("--models-dir", type=Path, default=Path("models"), help="local model store")
    p.add_argument("--all-leads", action="store_true",
                   help="scores.csv scores every lead; default: only the open ones (not "
                        "converted, not disqualified, within the horizon of their MQL time)")
    return p


def run(verb: str, argv: list[str]) -> int:
    from cli.model import open_only, summary_table
    from demodata.files import write_demo
    from features.contract import load_crm
    from features.table import lead_table
    from scoring.event import Scorer, flat_scores
    from training.train import EventData, train

    args = parser().parse_args(argv)
    data_dir = args.out / "data"
    start = time.perf_counter()
    if args.fresh or not (data_dir / "leads.csv").exists():
        say(f"== demo data: generating {args.leads:,} demo leads into {data_dir}/")
        write_demo(data_dir, n_leads=args.leads, seed=args.seed)
    else:
        say(f"== demo data: using {data_dir}/ (--fresh to regenerate)")
    say("== validate against the data contract")
    crm = load_crm(data_dir)
    rejects = crm.report.write_rejects(args.out / "rejects.csv")
    say(crm.report.summary())
    say("== features at MQL time, BANT flags and points score")
    table = lead_table(crm.leads, crm.activities)
    features_path = args.out / "features.csv"
    table.to_csv(features_path)
    say(f"{len(table):,} leads x {table.shape[1]} columns -> {features_path}")
    say("== train")
    result = train(EventData(data_dir, crm=crm), workdir=args.workdir, models_dir=args.models_dir,
                   promote="if_better",
                   progress=say)
    metrics_path = args.out / "metrics.json"
    metrics_path.write_text(json.dumps(result.metrics, indent=2, default=str))
    say(summary_table(result.metrics))
    say("== score the open leads now (as of the export) with the champion")
    scorer = Scorer.from_bundle(args.models_dir / "champion")
    leads, activities = crm.leads, crm.activities
    if not args.all_leads:
        leads, activities, note = open_only(crm, crm.as_of, scorer.card.horizon_days)
        say(note)
    scores = scorer.score(leads, activities, crm.as_of)
    scores_path = args.out / "scores.csv"
    flat_scores(scores).to_csv(scores_path, index=False)
    tiers = scores["tier"].value_counts().to_dict()
    db = Path(args.workdir).resolve() / "mlflow.db"
    say("")
    say(f"done in {time.perf_counter() - start:.0f}s")
    say(f"  demo data   {data_dir}/ (the story behind it: {data_dir / 'README.md'})")
    say(f"  features    {features_path}")
    say(f"  rejects     {rejects} ({crm.report.n_rejected:,} rows)")
    say(f"  metrics     {metrics_path}")
    say(f"  model       {args.models_dir / 'champion'}/ (v{scorer.version}; "
        f"this run: v{result.metrics['model_version']} -> {result.metrics['alias']})")
    say(f"  scores      {scores_path} ({len(scores):,} leads; tiers {tiers})")
    say(f"  report      {args.models_dir / 'champion' / 'report.html'} (open it in a browser; "
        f"`leadconv report --out FILE` copies it)")
    say(f"  MLflow UI   .venv/bin/mlflow ui --backend-store-uri {result.metrics['tracking_uri']}"
        if str(result.metrics["tracking_uri"]).startswith("sqlite") else
        f"  MLflow      {result.metrics['tracking_uri']}")
    if db.exists():
        say("              (then open http://127.0.0.1:5000, experiment 'lead-conversion')")
    return 0
