"""``leadconv demo``: the main job on the embedded default (what ``make demo`` runs).

Generates the demo CRM history (unless it is already there), validates it against the contract
and builds the point-in-time feature table with BANT flags and the points score.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from cli.output import say


def parser() -> argparse.ArgumentParser:
    from features.demo import DEFAULT_LEADS

    p = argparse.ArgumentParser(prog="leadconv demo", description=__doc__)
    p.add_argument("--out", type=Path, default=Path("demo"), help="working folder")
    p.add_argument("--leads", type=int, default=DEFAULT_LEADS, help="number of demo MQLs")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--fresh", action="store_true", help="regenerate the demo data")
    return p


def run(verb: str, argv: list[str]) -> int:
    from features.contract import load_crm
    from features.demo import write_demo
    from features.table import lead_table

    args = parser().parse_args(argv)
    data_dir = args.out / "data"
    start = time.perf_counter()
    if args.fresh or not (data_dir / "leads.csv").exists():
        say(f"[1/3] generating {args.leads:,} demo leads into {data_dir}/ ...")
        write_demo(data_dir, n_leads=args.leads, seed=args.seed)
    else:
        say(f"[1/3] using the demo data already in {data_dir}/ (--fresh to regenerate)")
    say("[2/3] validating against the data contract ...")
    crm = load_crm(data_dir)
    rejects = crm.report.write_rejects(args.out / "rejects.csv")
    say(crm.report.summary())
    say("[3/3] building point-in-time features, BANT flags and points score ...")
    table = lead_table(crm.leads, crm.activities)
    features_path = args.out / "features.csv"
    table.to_csv(features_path)
    tiers = table["points_tier"].value_counts().to_dict()
    say("")
    say(f"done in {time.perf_counter() - start:.1f}s")
    say(f"  demo data      {data_dir}/ (story: {data_dir / 'README.md'})")
    say(f"  features       {features_path} ({len(table):,} leads x {table.shape[1]} columns)")
    say(f"  rejects        {rejects} ({crm.report.n_rejected:,} rows)")
    say(f"  points tiers   {tiers}")
    return 0
