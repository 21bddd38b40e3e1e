"""``leadconv``: the command line. Each verb parses, then calls one library function.

Verb modules are imported lazily so ``leadconv --help`` stays instant (no pandas, no MLflow).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

# verb -> (module in cli/, one-line help)
VERBS = {
    "demo": ("cli.demo", "the `make demo` job: demo data, features, train, score"),
    "demo-data": ("cli.data", "write a demo CRM history (event shape; --flat: one flat export)"),
    "validate": ("cli.data", "check a CRM export against the data contract; write rejects"),
    "features": ("cli.data", "build the point-in-time feature table with BANT flags and points"),
    "train": ("cli.model", "train on an event folder or a flat CSV/Parquet; leakage check; track"),
    "models": ("cli.models", "list registered versions, promote one, roll the champion back"),
    "score": ("cli.model", "batch-score an export with the champion (probability, tier, BANT)"),
    "outcomes": ("cli.database", "outcomes import FILE: feed what became of leads back into the "
                                 "prediction store"),
    "monitor": ("cli.monitor", "drift and realised calibration of the champion on an export; "
                               "exit 0 healthy, 1 attention, 2 error"),
    "retrain": ("cli.retrain", "train a challenger, promote it only if better (--if-needed: only "
                               "when the monitor or the champion's age says so); exit 0 nothing "
                               "needed or promoted, 1 champion kept, 2 error"),
    "report": ("cli.report", "write the champion's HTML report for marketers (offline, mailable)"),
    "serve": ("cli.serve", "run the HTTP scoring service (FastAPI + uvicorn) on the champion"),
}


def package_version() -> str:
    """The installed package's version (its metadata), or ``unknown`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("leadconv")
    except PackageNotFoundError:
        return "unknown"


def quiet_libraries(verbose: int) -> None:
    """Keep MLflow's own INFO lines (and alembic's, which MLflow configures) out of the progress
    output unless ``-v``: MLflow reads ``MLFLOW_LOGGING_LEVEL`` when it is imported, later and
    lazily; a level the user set stays."""
    level = "WARNING" if verbose == 0 else "INFO" if verbose == 1 else "DEBUG"
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", level)
    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(os.environ["MLFLOW_LOGGING_LEVEL"].upper())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadconv",
        description="Lead conversion predictor: which MQLs become SQLs, how sure, and why.")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging on stderr (-v info, -vv debug; also MLflow's own)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, (_, help_text) in VERBS.items():
        sub.add_parser(verb, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``leadconv`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    known, rest = parser.parse_known_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(known.verbose, logging.DEBUG)
    logging.basicConfig(level=level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    quiet_libraries(known.verbose)
    from cli.output import fail
    from cli.settings import CommandSettings
    from features.dates import configure_window

    try:
        configure_window(CommandSettings().date_window)
    except ValueError as exc:
        return fail(str(exc))
    module = importlib.import_module(VERBS[known.verb][0])
    return int(module.run(known.verb, rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
