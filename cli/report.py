"""``leadconv report``: the marketers' HTML report of the champion, as one self-contained file."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from cli.output import fail, say


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="leadconv report",
        description="Write the champion's report (what drives conversion, conversion by segment, "
                    "calibration, BANT, model facts) as one HTML file that opens offline. "
                    "Without --data: the report training made for the champion. With --data: "
                    "a new one from that export, scored by the champion.")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store holding champion/")
    p.add_argument("--data", type=Path, default=None,
                   help="event-shape export to build the report from (conversion rates from its "
                        "data, calibration on its labelled leads)")
    p.add_argument("--as-of", default=None, help="export date (default: latest timestamp)")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    return p


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from features.rules import RulesError
    from serving.store import REPORT_FILE, StoreError

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
            from training.report import build_report, inputs_from_export

            page = build_report(inputs_from_export(args.data, args.models_dir, as_of=args.as_of,
                                                   rules_path=args.rules))
            args.out.write_text(page, encoding="utf-8")
    except StoreError as exc:
        return fail(f"{exc}. Run `leadconv train --data DIR` first.")
    except (ContractError, RulesError, ValueError) as exc:
        return fail(str(exc))
    say(f"report   {args.out} ({args.out.stat().st_size:,} bytes); open it in a browser")
    return 0
