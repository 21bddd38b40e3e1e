"""``leadconv retrain``: the retraining a scheduler runs (cron, a systemd timer).

Trains a challenger on --data (the options of ``leadconv train``) and promotes it only through
the promotion policy ``if_better``: when it is at least as good as the champion on the same
newest matured leads the champion has not seen. With --if-needed it first checks the champion
on --data as ``leadconv monitor`` does (its report goes to OUT/monitor/), and retrains only when
the verdict is not healthy, the champion is older than --max-age-days, or there is none.

Ends with one summary line on stdout and OUT/retrain.json, and exits:
  0  nothing needed, or a challenger was promoted (a running service loads it by its poll)
  1  retrained, but the champion was kept (challenger not better, or no fair comparison
     possible): someone should look
  2  error: unreadable or missing data, too little history (training refused), with
     --if-needed an export with no lead newer than the champion's training data (stale), an
     unreadable champion
"""

from __future__ import annotations

import argparse
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.model import add_data_options, data_adapter, train_config
from cli.output import RawHelpFormatter, fail, say

logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    from training.retrain import DEFAULT_MAX_AGE_DAYS

    p = argparse.ArgumentParser(prog="leadconv retrain", description=__doc__,
                                formatter_class=RawHelpFormatter)
    add_data_options(p)
    p.add_argument("--if-needed", action="store_true",
                   help="retrain only when the monitor's verdict on --data is not healthy, the "
                        "champion is older than --max-age-days, or there is no champion")
    p.add_argument("--max-age-days", type=float, default=DEFAULT_MAX_AGE_DAYS, metavar="N",
                   help="with --if-needed: retrain a champion trained more than N days ago "
                        "(default %(default)s: a new month of leads matures every month)")
    p.add_argument("--out", type=Path, default=Path("retrain"),
                   help="folder for retrain.json (and monitor/ with --if-needed)")
    return p


def monitor_args(args: argparse.Namespace) -> argparse.Namespace:
    """The options of ``leadconv monitor`` for the same data and model store."""
    values = vars(args) | {"since": None, "out": args.out / "monitor", "model_version": None}
    return argparse.Namespace(**values)


def needed(args: argparse.Namespace, now: datetime) -> tuple[Any, dict[str, Any] | None]:
    """Whether to retrain (``training.retrain.need``), after the monitor's check of the champion
    on --data (printed, written to OUT/monitor/); and the check's facts for the JSON."""
    from cli.monitor import check_champion, write_and_print
    from scoring.bundle import read_card
    from scoring.profile import ProfileError
    from training.retrain import need

    if not (args.models_dir / "champion").exists():
        return need(None, None, max_age_days=args.max_age_days, now=now), None
    card = read_card(args.models_dir / "champion")
    margs = monitor_args(args)
    try:
        checked = check_champion(margs)
    except ProfileError as exc:  # the monitor cannot judge it: retraining writes a profile
        say(f"monitor: {exc}")
        return need(card, None, max_age_days=args.max_age_days, now=now,
                    problem=f"champion v{card.version} has no usable reference profile"), None
    write_and_print(margs, checked)
    summary = checked.summary
    facts = {"status": summary["status"], "exit_code": summary["exit_code"],
             "reasons": [r["message"] for r in summary["reasons"]],
             "json": str(margs.out / "monitor.json")}
    return need(card, summary, max_age_days=args.max_age_days, now=now), facts


def retrain(args: argparse.Namespace) -> int:
    """The steps of the module docstring; returns the exit code."""
    from training.retrain import failed, not_needed
    from training.retrain import retrain as run_retrain

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    extra: dict[str, Any] = {"started_at": started.isoformat(), "data": str(args.data),
                             "models_dir": str(args.models_dir), "if_needed": args.if_needed,
                             "max_age_days": args.max_age_days}
    reasons = [] if args.if_needed else ["retraining asked (without --if-needed)"]
    try:
        if args.if_needed:
            decided, extra["monitor"] = needed(args, started)
            extra["champion_before"] = {"version": decided.champion_version,
                                        "trained_at": decided.champion_trained_at,
                                        "age_days": decided.age_days}
            if not decided.retrain:
                return finish(args, not_needed(decided), extra, t0)
            reasons = decided.reasons
        say(f"retraining: {', '.join(reasons)}")
        outcome = run_retrain(data_adapter(args), train_config(args), reasons=reasons,
                              workdir=args.workdir, models_dir=args.models_dir, progress=say)
    except Exception as exc:  # any failure is exit code 2 (never read as "champion kept")
        logger.debug("retrain failed", exc_info=True)
        fail(f"{type(exc).__name__}: {exc} (-vv for the traceback)")
        return finish(args, failed(str(exc), reasons), extra, t0)
    return finish(args, outcome, extra, t0)


def finish(args: argparse.Namespace, outcome: Any, extra: dict[str, Any], t0: float) -> int:
    """Write ``retrain.json``, print the summary line; return the outcome's exit code."""
    from training.retrain import write_result

    extra |= {"finished_at": datetime.now(UTC).isoformat(),
              "seconds": round(time.perf_counter() - t0, 1)}
    try:
        path = write_result(outcome, args.out, extra)
        logger.info("retrain result: %s", path)
    except OSError as exc:
        fail(f"cannot write {args.out}: {exc}")
        say(outcome.summary)
        return 2
    say(outcome.summary)
    return int(outcome.exit_code)


def run(verb: str, argv: list[str]) -> int:
    return retrain(parser().parse_args(argv))
