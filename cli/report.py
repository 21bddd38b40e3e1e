"""``leadconv report``: the marketers' HTML report of the champion, as one self-contained file."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from cli.output import HelpFormatter, fail, say


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter,
        prog="leadconv report",
        description="Write the champion's report (what drives conversion, conversion by segment, "
                    "calibration, BANT, model facts) as one HTML file that opens offline. "
                    "Without --data: the report training made for the champion. With --data: "
                    "a new one from that export, scored by the champion (an event-shape folder "
                    "for an event-shape champion, a flat CSV/Parquet file with the label column "
                    "for a flat one).")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store holding champion/")
    p.add_argument("--data", type=Path, default=None,
                   help="export to build the report from (conversion rates from its data, "
                        "calibration on its labelled leads): a folder (event shape) or, for a "
                        "champion trained on a flat export, a CSV/Parquet file with its label "
                        "column")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    return p


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from features.rules import RulesError
    from scoring.bundle import REPORT_FILE, StoreError

    args = parser().parse_args(argv)
    champion = args.models_dir / "champion"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        if args.data is None:
            source = champion / REPORT_FILE
            if not source.exists():
                return fail(f"{source} does not exist: train a model (`leadconv train --data "
                            f"DIR`), or build a report from an export with --data DIR")
            if source.resolve() != args.out.resolve():
                shutil.copyfile(source, args.out)
        else:
            page = _fresh_report(args)
            args.out.write_text(page, encoding="utf-8")
    except StoreError as exc:
        return fail(f"{exc}. Run `leadconv train --data DIR` first.")
    except (ContractError, RulesError, ValueError) as exc:
        return fail(str(exc))
    say(f"report   {args.out} ({args.out.stat().st_size:,} bytes); open it in a browser")
    return 0


def _fresh_report(args: argparse.Namespace) -> str:
    """A report from ``--data`` scored by the champion, built the way its shape needs."""
    from features.contract import ContractError
    from report.page import build_report
    from scoring.bundle import read_card

    if read_card(args.models_dir / "champion").is_flat:
        if args.data.is_dir():
            raise ContractError(f"the champion was trained on a flat export: pass that kind of "
                                f"file (--data FILE.csv), not the folder {args.data}")
        from report.flat import inputs_from_flat_export

        return build_report(inputs_from_flat_export(args.data, args.models_dir))
    if args.data.is_file():
        raise ContractError(f"the champion was trained on an event-shape export: pass its folder "
                            f"(--data DIR with leads.csv, activities.csv, outcomes.csv), not "
                            f"{args.data}")
    from report.page import inputs_from_export

    return build_report(inputs_from_export(args.data, args.models_dir, as_of=args.as_of,
                                           rules_path=args.rules))
