"""``--database-url`` for the verbs that read or write the prediction store, and
``leadconv outcomes import FILE``: what became of leads, into the store."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from cli.data import add_file_options
from cli.output import HelpFormatter, fail, say

DATABASE_HELP = ("the prediction store: a SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db "
                 "(default: LEADCONV_DATABASE_URL, else SQLite ./leadconv.db; 'off': none)")


def add_database_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--database-url", default=None, metavar="URL", help=DATABASE_HELP)


def database_url(args: argparse.Namespace) -> str | None:
    """The store's URL: ``--database-url``, else ``LEADCONV_DATABASE_URL``, else
    ``./leadconv.db``; None when it says off."""
    from store.url import VARIABLE, resolve_url

    return resolve_url(args.database_url or os.environ.get(VARIABLE))


def open_store(args: argparse.Namespace) -> Any:
    """The store's engine (migrated); raises ValueError when the store is off."""
    from store.database import open_database

    url = database_url(args)
    if url is None:
        raise ValueError("the prediction store is off (LEADCONV_DATABASE_URL=off); pass "
                         "--database-url")
    return open_database(url)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter,
        prog="leadconv outcomes",
        description="Feed outcomes back: `leadconv outcomes import FILE` stores what became of "
                    "leads (the data contract's outcomes table: lead_id, sql_at, optional "
                    "disqualified_at) in the prediction store, where monitoring and `leadconv "
                    "train --outcomes-from-store` read them. Idempotent: importing the same file "
                    "again changes nothing.")
    p.add_argument("action", choices=["import"])
    p.add_argument("file", type=Path, help="outcomes .csv or .parquet")
    p.add_argument("--rejects", type=Path, default=None,
                   help="where to write rejected rows (default: FILE's name + .rejects.csv)")
    add_database_option(p)
    add_file_options(p)
    return p


def import_outcomes(args: argparse.Namespace) -> int:
    from features.contract import load_outcomes
    from features.prescan import FileLimits
    from store.database import safe_url
    from store.outcomes import Outcome, write_outcomes

    frame, report = load_outcomes(args.file, date_order=args.date_order,
                                  limits=FileLimits.from_mb(args.max_file_mb))
    say(report.summary())
    rejects = report.write_rejects(args.rejects or args.file.with_name(
        args.file.stem + ".rejects.csv"))
    engine = open_store(args)

    def moment(value: Any) -> Any:
        return None if value is None or value != value else value.to_pydatetime()

    items = [Outcome(str(i), moment(s), moment(d)) for i, s, d in zip(
        frame["lead_id"], frame["sql_at"], frame["disqualified_at"], strict=True)]
    written = write_outcomes(engine, items, origin=args.file.name[:200])
    say(f"outcomes: {len(items):,} from {args.file} -> {safe_url(str(engine.url))}: "
        f"{written.inserted:,} new, {written.updated:,} changed, {written.unchanged:,} already "
        f"stored; rejects: {rejects}")
    return 0


def run(verb: str, argv: list[str]) -> int:
    from features.contract import ContractError
    from store.database import StoreError

    args = parser().parse_args(argv)
    try:
        return import_outcomes(args)
    except (ContractError, StoreError, ValueError) as exc:
        return fail(str(exc))
