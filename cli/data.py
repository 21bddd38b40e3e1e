"""Data verbs: ``demo-data``, ``validate`` and ``features``."""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

from cli.output import HelpFormatter, fail, say

logger = logging.getLogger(__name__)

FLAT_STYLES = ("leads", "vendor", "contacts")  # the first is the default


def _demo_data_parser() -> argparse.ArgumentParser:
    from demodata.events import DEFAULT_AS_OF, DEFAULT_LEADS

    p = argparse.ArgumentParser(formatter_class=HelpFormatter, prog="leadconv demo-data",
                                description="Write a realistic demo CRM history (event shape).")
    p.add_argument("--out", type=Path, required=True, help="folder to write into")
    p.add_argument("--leads", type=int, default=DEFAULT_LEADS, help="number of MQLs")
    p.add_argument("--seed", type=int, default=42, help="random seed (same seed, same files)")
    p.add_argument("--as-of", default=DEFAULT_AS_OF, help="export date YYYY-MM-DD")
    p.add_argument("--conversion-rate", type=float, default=0.13,
                   help="target MQL->SQL rate within 90 days")
    p.add_argument("--flat", action="store_true",
                   help="write the same leads as one flat export instead (export.csv: one row "
                        "per lead, behaviour aggregated, placeholders, planted leaky columns; "
                        "truth.csv; README.md)")
    p.add_argument("--drift", action="store_true",
                   help="a drifting history: from --change-date on, more social and paid-search "
                        "leads, fewer pricing page views and a lower conversion rate (what "
                        "`leadconv monitor` finds; see README.md of the data)")
    p.add_argument("--change-date", default=None,
                   help="with --drift: when the shift starts (default: 6 months before --as-of)")
    p.add_argument("--style", choices=FLAT_STYLES, default=FLAT_STYLES[0],
                   help="with --flat: 'leads' (the demo history above as a Leads-style export) "
                        "or 'vendor' (a second generator: a warehouse sync of a Salesforce-style "
                        "CRM whose conversion rate drifts from ~6%% to ~25%% over 24 months, "
                        "with its own planted leaks) or 'contacts' (a third generator: a "
                        "marketing-automation contacts export whose base rate rises 4x over 30 "
                        "months and whose e-mail clicks' effect reverses half-way; day-first "
                        "dates); --conversion-rate applies to 'leads' only")
    return p


def _data_parser(prog: str, description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter, prog=prog, description=description)
    p.add_argument("--data", required=True,
                   help="folder with leads, activities, outcomes (.csv or .parquet)")
    p.add_argument("--as-of", default=None,
                   help="when the export was taken (default: latest timestamp in the data)")
    p.add_argument("--rejects", type=Path, default=None,
                   help="where to write rejected rows (default: next to the output)")
    add_file_options(p)
    return p


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """``--engine``, ``--spark-master`` and ``--buckets`` (see ``engines.spark``)."""
    p.add_argument("--engine", choices=("pandas", "spark"), default="pandas",
                   help="where the work runs: 'pandas' in this process, or 'spark' on Apache "
                        "Spark (pip install 'leadconv[spark]'; --data may then also be a URL "
                        "Spark reads or table:PREFIX for PREFIX.leads, ... of the catalog) "
                        "(default: %(default)s)")
    p.add_argument("--spark-master", default=None, metavar="URL",
                   help="Spark master for a new session, e.g. local[2] or spark://host:7077 "
                        "(default: the active session, else local[*])")
    p.add_argument("--buckets", type=int, default=None, metavar="N",
                   help="Spark: leads are split into N buckets by a hash of lead_id, each "
                        "validated, featured and scored in one piece (default: one per 20,000 "
                        "leads, at least 2)")


def add_file_options(p: argparse.ArgumentParser) -> None:
    """``--dayfirst``/``--monthfirst`` and ``--max-file-mb``, for every verb that reads files."""
    order = p.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="date_order", action="store_const", const="dayfirst",
                       help="read dates such as 03/04/2026 as 3 April (default: decided per "
                            "column from its values, e.g. 31/01/2026 means day-first)")
    order.add_argument("--monthfirst", dest="date_order", action="store_const",
                       const="monthfirst", help="read dates such as 03/04/2026 as 4 March")
    p.add_argument("--max-file-mb", type=int, default=None, metavar="MB",
                   help="refuse input files larger than this (default 1024 MiB)")


def demo_data(args: argparse.Namespace) -> int:
    from demodata.files import write_demo

    start = time.perf_counter()
    if args.change_date and not args.drift:
        raise ValueError("--change-date goes with --drift")
    if args.drift and args.flat:
        raise ValueError("--drift writes the event shape: leave out --flat")
    if args.style != FLAT_STYLES[0]:
        if not args.flat:
            raise ValueError(f"--style {args.style} is a flat export: add --flat")
        return (_vendor_demo if args.style == "vendor" else _contacts_demo)(args, start)
    if args.flat:
        from demodata.flat import LEAKY_COLUMNS, TARGET, write_flat_demo

        export, truth = write_flat_demo(args.out, n_leads=args.leads, seed=args.seed,
                                        as_of=args.as_of, conversion_rate=args.conversion_rate)
        say(f"wrote a flat export of {len(export):,} leads x {export.shape[1]} columns to "
            f"{args.out}/export.csv (+ truth.csv, README.md) in "
            f"{time.perf_counter() - start:.1f}s: label {TARGET!r} "
            f"(rate {export[TARGET].mean():.3f}), planted leaky columns "
            f"{', '.join(LEAKY_COLUMNS)}")
        return 0
    from demodata.drift import Drift

    drift = Drift(change_at=args.change_date) if args.drift else None
    data = write_demo(args.out, n_leads=args.leads, seed=args.seed, as_of=args.as_of,
                      conversion_rate=args.conversion_rate, drift=drift)
    if data.change_at is not None:
        say(f"drift from {data.change_at.date()}: more social and paid-search leads, fewer "
            f"pricing page views, conversion logit {data.intercept_shift:+g}")
    say(f"wrote {len(data.leads):,} leads, {len(data.activities):,} activities, "
        f"{len(data.outcomes):,} outcomes to {args.out}/ in {time.perf_counter() - start:.1f}s "
        f"(as_of {data.as_of.date()}, mean true probability {data.truth['p_true'].mean():.3f})")
    return 0


def _vendor_demo(args: argparse.Namespace, start: float) -> int:
    from demodata.vendor import PLANTED_LEAKS, TARGET, write_vendor_demo

    export, _ = write_vendor_demo(args.out, n_leads=args.leads, seed=args.seed, as_of=args.as_of)
    say(f"wrote a vendor-style flat export of {len(export):,} leads x {export.shape[1]} columns "
        f"to {args.out}/export.csv (+ truth.csv, README.md) in "
        f"{time.perf_counter() - start:.1f}s: label {TARGET!r} (rate "
        f"{export[TARGET].eq('true').mean():.3f}, drifting over time), planted leaky columns "
        f"{', '.join(f'{c} ({k})' for c, k in PLANTED_LEAKS.items())}")
    return 0


def _contacts_demo(args: argparse.Namespace, start: float) -> int:
    from demodata.contacts import PLANTED_LEAKS, TARGET, write_contacts_demo

    export, _ = write_contacts_demo(args.out, n_leads=args.leads, seed=args.seed,
                                    as_of=args.as_of)
    say(f"wrote a contacts-style flat export of {len(export):,} contacts x {export.shape[1]} "
        f"columns to {args.out}/export.csv (+ truth.csv, README.md) in "
        f"{time.perf_counter() - start:.1f}s: label {TARGET!r} (rate "
        f"{export[TARGET].eq('Yes').mean():.3f}, rising 4x over time), planted leaky columns "
        f"{', '.join(f'{c} ({k})' for c, k in PLANTED_LEAKS.items())}")
    return 0


def load(args: argparse.Namespace, default_rejects: Path, require_outcomes: bool = True):
    """Load and validate the export; write rejects; tell the user the counts."""
    from features.contract import load_crm
    from features.prescan import FileLimits

    crm = load_crm(args.data, as_of=args.as_of, require_outcomes=require_outcomes,
                   date_order=args.date_order, limits=FileLimits.from_mb(args.max_file_mb))
    rejects_path = crm.report.write_rejects(args.rejects or default_rejects)
    say(crm.report.summary())
    say(f"rejected rows with reasons: {rejects_path}")
    return crm


def validate(args: argparse.Namespace) -> int:
    crm = load(args, args.rejects or Path("rejects.csv"))
    say(f"as_of {crm.as_of}; {len(crm.leads):,} leads usable")
    return 0


def features_spark(args: argparse.Namespace) -> int:
    """``leadconv features --engine spark``: the training table (``features.training_table``)
    built on Spark, written on the driver as one Parquet file for ``leadconv train
    --features``; rejects next to it."""
    from engines.spark import features as spark_features
    from engines.spark import session
    from features.rejects import REJECT_COLUMNS
    from features.training_table import write_table

    if args.out.suffix != ".parquet":
        raise ValueError(f"--engine spark writes the training table as Parquet: --out "
                         f"{args.out} should end in .parquet")
    if args.at != "mql":
        raise ValueError("--engine spark builds the training table at each lead's MQL time: "
                         "leave out --at")
    start = time.perf_counter()
    spark = session(args.spark_master)
    result = spark_features(spark, args.data, rules_path=args.rules, as_of=args.as_of,
                            buckets=args.buckets, date_order=args.date_order, progress=say)
    say(result.summary())
    rejects = args.rejects or args.out.with_name(args.out.stem + ".rejects.csv")
    rejects.parent.mkdir(parents=True, exist_ok=True)
    result.rejects_frame().loc[:, list(REJECT_COLUMNS)].to_csv(rejects, index=False)
    table = result.frame()
    meta = {"as_of": result.as_of.isoformat(), "source": str(args.data),
            "counts": [vars(c) for c in result.counts],
            "activity_types": result.extras["activity_types"]}
    write_table(table, args.out, meta)
    say(f"wrote the training table of {len(table):,} leads x {table.shape[1]} columns to "
        f"{args.out} on Spark ({result.buckets} buckets) in {time.perf_counter() - start:.1f}s; "
        f"rejected rows with reasons: {rejects}")
    return 0


def features(args: argparse.Namespace) -> int:
    if args.engine == "spark":
        return features_spark(args)
    from features.rules import load_rules
    from features.table import lead_table

    start = time.perf_counter()
    crm = load(args, args.out.with_name(args.out.stem + ".rejects.csv"), require_outcomes=False)
    rules = load_rules(args.rules)
    at = None if args.at == "mql" else args.at
    table = lead_table(crm.leads, crm.activities, at, rules=rules)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".parquet":
        table.to_parquet(args.out)
    else:
        table.to_csv(args.out)
    say(f"wrote {len(table):,} leads x {table.shape[1]} columns to {args.out} "
        f"in {time.perf_counter() - start:.1f}s")
    return 0


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from features.rules import RulesError

    if verb == "demo-data":
        try:
            return demo_data(_demo_data_parser().parse_args(argv))
        except ValueError as exc:
            return fail(str(exc))
    if verb == "validate":
        parser = _data_parser("leadconv validate", "Check an export against the data contract.")
    else:
        parser = _data_parser("leadconv features",
                              "Build point-in-time features, BANT flags and the points score.")
        parser.add_argument("--out", type=Path, required=True,
                            help="output .csv or .parquet (--engine spark: the training table "
                                 "for `leadconv train --features`, .parquet)")
        parser.add_argument("--at", default="mql",
                            help="scoring moment: 'mql' (each lead's MQL time) or a timestamp")
        parser.add_argument("--rules", type=Path, default=None,
                            help="rules file (default: the shipped features/rules.toml)")
        add_engine_options(parser)
    args = parser.parse_args(argv)
    try:
        return validate(args) if verb == "validate" else features(args)
    except (ContractError, RulesError, ValueError) as exc:
        return fail(str(exc))
