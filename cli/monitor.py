"""``leadconv monitor``: is the champion still right? Drift and realised calibration.

Reads the champion's scores in the prediction log and the outcomes fed back
(``monitoring.from_log``), or scores an export (``--data``) with the champion at each lead's MQL
moment, as ``leadconv score`` does; keeps the leads newer than those the champion was fitted on
(``--since`` to choose), compares their inputs and scores with the champion's training profile,
and measures realised conversion on the leads whose horizon has passed (a flat export: on the
rows whose label column is filled; months from its time column). Writes ``monitor.json`` and
``monitor.html`` into ``--out``, prints a short table, and exits 0 (healthy), 1 (drift or
calibration beyond the thresholds of ``monitoring.config``) or 2 (error: no champion, no
profile, unreadable data).
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.data import add_file_options
from cli.database import add_database_option
from cli.output import RawHelpFormatter, fail, say

logger = logging.getLogger(__name__)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="leadconv monitor", description=__doc__,
                                formatter_class=RawHelpFormatter)
    p.add_argument("--data", type=Path, default=None,
                   help="event-shape export folder (leads, activities, outcomes) of recent leads, "
                        "or a flat export file when the champion was trained on one (its label "
                        "column, where filled, gives the realised figures). Without it: the "
                        "prediction log and the outcomes fed back (--database-url)")
    p.add_argument("--as-of", default=None,
                   help="event shape: export date (default: latest timestamp); the log: the "
                        "moment the outcomes are known up to (default: now)")
    p.add_argument("--since", default=None, metavar="YYYY-MM-DD",
                   help="only the leads with an MQL on or after this date (default: the leads "
                        "after the champion's reference period, i.e. newer than every lead it "
                        "was fitted on); an earlier date judges older leads too, e.g. an "
                        "export of other leads from the months the champion was trained on")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store holding champion/ (with its profile.json)")
    p.add_argument("--out", type=Path, default=Path("monitor"),
                   help="folder for monitor.json and monitor.html")
    p.add_argument("--rules", type=Path, default=None, help="rules file (default: shipped)")
    p.add_argument("--model-version", default=None, metavar="V",
                   help="with the prediction log: check this model version (its bundle must "
                        "still be in --models-dir/versions, which keeps the last few) instead of "
                        "the champion")
    add_database_option(p)
    add_file_options(p)
    return p


def model_folder(args: argparse.Namespace) -> Path:
    """The bundle folder to check: the champion's, or that of ``--model-version``."""
    from scoring.bundle import read_card
    from scoring.swap import versions_dir

    champion = args.models_dir / "champion"
    if args.model_version is None:
        return champion
    if args.data is not None:
        raise ValueError("--model-version is for the prediction log: an export is scored with "
                         "the champion")
    for folder in sorted(versions_dir(champion).glob("v*"), reverse=True):
        try:
            if read_card(folder).version == args.model_version:
                return folder
        except Exception:  # a half-written or foreign folder: not the one
            continue
    raise ValueError(f"model version {args.model_version} is not among the bundles kept in "
                     f"{versions_dir(champion)}")


def observe_log(args: argparse.Namespace, scorer: Any, profile: Any
                ) -> tuple[Any, dict[str, Any]]:
    """The champion's scores in the prediction log, with the outcomes fed back."""
    import pandas as pd

    from cli.database import open_store
    from monitoring.from_log import observed_from_log

    since = pd.Timestamp(args.since, tz="UTC").to_pydatetime() if args.since else None
    as_of = pd.Timestamp(args.as_of, tz="UTC") if args.as_of else None
    return observed_from_log(open_store(args), profile, scorer.version, since=since,
                             as_of=as_of)


def observe(args: argparse.Namespace, scorer: Any) -> tuple[Any, dict[str, Any]]:
    """The export, scored by the champion at each lead's MQL moment (``monitoring.check``)."""
    from features.build import build_features, feature_matrix
    from features.contract import load_crm
    from features.prescan import FileLimits
    from monitoring.check import Observed

    crm = load_crm(args.data, as_of=args.as_of, require_outcomes=True,
                   date_order=args.date_order, limits=FileLimits.from_mb(args.max_file_mb))
    say(crm.report.summary())
    scores = scorer.score(crm.leads, crm.activities, None).set_index("lead_id")
    x = feature_matrix(build_features(crm.leads, crm.activities), scorer.names)  # by lead_id
    observed = Observed(features=x, scored_at=scores["scored_at"],
                        probability=scores["probability"], outcomes=crm.outcomes,
                        as_of=crm.as_of)
    return observed, {"source": str(args.data), "n_rejected": crm.report.n_rejected}


def observe_flat(args: argparse.Namespace, scorer: Any) -> tuple[Any, dict[str, Any]]:
    """A flat export scored by a flat champion (``leadconv score``'s path): months from its time
    column, realised figures from its label column where filled."""
    import pandas as pd

    from features.flat import lead_times
    from features.flat_read import read_flat
    from features.prescan import FileLimits
    from monitoring.check import Observed

    if not args.data.is_file():
        raise ValueError(f"the champion (v{scorer.version}) was trained on a flat export: pass "
                         f"a file with --data, not the folder {args.data}")
    flat = read_flat(args.data, limits=FileLimits.from_mb(args.max_file_mb))
    say(flat.describe())
    frame = flat.frame.reset_index(drop=True)
    scores = scorer.score(frame)
    target = scorer.mapping.target
    labels = (scores[target].astype("float64") if target in scores.columns
              else pd.Series(float("nan"), index=frame.index))
    scored_at = lead_times(frame, scorer.mapping)
    observed = Observed(features=scorer.features(frame), scored_at=scored_at,
                        probability=scores["probability"], labels=labels,
                        as_of=scored_at.max() if scored_at.notna().any() else None)
    return observed, {"source": str(args.data), "n_rejected": 0}


def table(summary: dict[str, Any]) -> str:
    """The short console table: per judged month, the worst input PSI, the score PSI, ECE."""
    worst: dict[str, tuple[float, str]] = {}
    score: dict[str, float] = {}
    n: dict[str, int] = {}
    for c in summary["drift"]:
        if not c["judged"]:
            continue
        n[c["month"]] = c["n"]
        if c["column"] == "score":
            score[c["month"]] = c["psi"]
        elif c["psi"] > worst.get(c["month"], (-1.0, ""))[0]:
            worst[c["month"]] = (c["psi"], c["column"])
    ece = {r["month"]: r for r in summary["realised"]}
    lines = [f"{'month':<8}{'leads':>7}  {'worst input (PSI)':<34}{'score PSI':>10}"
             f"{'matured':>9}{'ECE':>7}"]
    for month in sorted(n, key=lambda m: (m == "all", m)):
        r = ece.get(month)
        psi, column = worst.get(month, (float("nan"), "-"))
        lines.append(f"{month:<8}{n[month]:>7}  {f'{column} ({psi:.2f})':<34}"
                     f"{score.get(month, float('nan')):>10.2f}"
                     f"{(r['n'] if r else 0):>9}"
                     f"{(format(r['ece'], '.3f') if r else '-'):>7}"
                     + ("  *" if r and r["flagged"] else ""))
    return "\n".join(lines)


def run(verb: str, argv: list[str]) -> int:
    """Exit 0 healthy, 1 attention, 2 any error (a scheduler must never read a crash as 1)."""
    args = parser().parse_args(argv)
    try:
        return monitor(args)
    except Exception as exc:  # any failure is exit code 2, said in one line
        logger.debug("monitor failed", exc_info=True)
        return fail(f"monitor failed: {type(exc).__name__}: {exc} (-vv for the traceback)")


@dataclass
class Checked:
    """One check of the champion on an export: the summary (``monitoring.summary``), the
    champion's version and the reference profile it was judged against."""

    summary: dict[str, Any]
    version: str
    profile: Any
    source: str


def judged_from(profile: Any) -> str | None:
    """The first day the monitor judges by default: the day after the profile's period, which
    ends with the newest lead the champion was fitted on. Older leads are its own training
    history: in sample, and (after a change) partly of the regime it was calibrated away from.
    None when the profile has no period (a flat export without times): every lead."""
    if not profile.period_end:
        return None
    import pandas as pd

    return str((pd.Timestamp(profile.period_end) + pd.Timedelta(days=1)).date())


def check_champion(args: argparse.Namespace) -> Checked:
    """Score ``args.data`` with the champion of ``args.models_dir`` and check it (drift, realised
    calibration); nothing written or printed but the export's read summary.

    Judges the leads with an MQL from ``args.since`` on; without it, the leads after the
    profile's period (``judged_from``).

    Raises ProfileError (no usable profile), StoreError (no champion), ContractError,
    RulesError, ValueError or OSError (unreadable data).
    """
    import pandas as pd

    from features.rules import load_rules
    from monitoring.check import check
    from monitoring.config import Thresholds
    from scoring.bundle import read_card
    from scoring.event import Scorer
    from scoring.flat import FlatScorer
    from scoring.profile import read_profile

    folder = model_folder(args)
    rules = load_rules(args.rules)
    flat = read_card(folder).is_flat
    scorer: Any = (FlatScorer if flat else Scorer).from_bundle(folder, rules)
    profile = read_profile(folder, scorer.card.data_fingerprint.get("sha256"))
    if args.data is None:
        observed, data = observe_log(args, scorer, profile)
    else:
        observed, data = (observe_flat if flat else observe)(args, scorer)
    since = args.since or judged_from(profile)
    if since:
        observed = observed.since(pd.Timestamp(since, tz="UTC"))
        data["since"] = since
        data["since_from"] = "--since" if args.since else "after the profile's period"
        if observed.features.empty:
            newer = ("" if args.since else ", newer than every lead the champion was fitted "
                     "on (monitor --since judges older ones)")
            where = args.data if args.data is not None else "the prediction log"
            raise ValueError(f"no lead of {where} has an MQL on or after {since}{newer}")
    summary = check(observed, profile, scorer.card, Thresholds(), data)
    return Checked(summary, str(scorer.version), profile, str(data["source"]))


def write_and_print(args: argparse.Namespace, checked: Checked) -> None:
    """``monitor.json`` and ``monitor.html`` into ``args.out``; the console table and verdict."""
    from monitoring.page import build_page

    summary, profile = checked.summary, checked.profile
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "monitor.json").write_text(json.dumps(summary, indent=1, default=str))
    (args.out / "monitor.html").write_text(build_page(summary), encoding="utf-8")
    data = summary["data"]
    judged = (f"; judged from {data['since']} ({data['since_from']})" if data.get("since")
              else "")
    say(f"model v{checked.version}, profile of MQLs {profile.period_start} to "
        f"{profile.period_end}; {checked.source}: {data['n_leads']:,} leads, "
        f"{data['n_matured']:,} matured{judged}")
    say(table(summary))
    for reason in summary["reasons"]:
        say(f"attention: {reason['message']}")
    if summary["watch"]:
        say(f"watch: {', '.join(summary['watch'])}")
    say(f"{summary['status']} (exit {summary['exit_code']}): {args.out / 'monitor.json'}, "
        f"{args.out / 'monitor.html'}")


def monitor(args: argparse.Namespace) -> int:
    """The checks of ``leadconv monitor`` (see the module docstring); returns the exit code."""
    from features.contract import ContractError
    from features.rules import RulesError
    from scoring.bundle import StoreError
    from scoring.profile import ProfileError

    try:
        checked = check_champion(args)
    except ProfileError as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(f"{exc}. Run `leadconv train --data DIR` first.")
    except (ContractError, RulesError, ValueError, OSError) as exc:
        return fail(str(exc))
    write_and_print(args, checked)
    return int(checked.summary["exit_code"])
