"""``leadconv models``: the registered versions: ``list``, ``promote VERSION``, ``rollback``."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from cli.output import HelpFormatter, fail, say


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter,
        prog="leadconv models",
        description="The registered versions of the model: list them (aliases, key test "
                    "metrics, training data fingerprint), promote one to champion, or roll "
                    "the champion back to the one before it. Promotion moves the registry's "
                    "@champion alias and exports the local bundle the service reads.")
    p.add_argument("action", choices=("list", "promote", "rollback"))
    p.add_argument("version", nargs="?", default=None, help="the version to promote")
    p.add_argument("--workdir", type=Path, default=Path("."),
                   help="where the embedded MLflow store lives when MLFLOW_TRACKING_URI is not "
                        "set")
    p.add_argument("--models-dir", type=Path, default=Path("models"),
                   help="local model store; the champion is exported to MODELS_DIR/champion")
    p.add_argument("--model-name", default="lead-conversion", help="registered model name")
    return p


def _number(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.3f}"


def show(workdir: Path, model_name: str) -> int:
    from training.versions import versions

    found = versions(workdir, model_name)
    if not found:
        say(f"no registered versions of {model_name} yet: run `leadconv train --data DIR`")
        return 0
    say(f"{'version':>7}  {'aliases':<20} {'test AUC':>8} {'ECE':>6} {'log loss':>8}  "
        f"{'created (UTC)':<25} data sha256")
    for v in found:
        m = v.metrics
        say(f"{v.version:>7}  {','.join(v.aliases) or '-':<20} {_number(m.get('test_auc')):>8} "
            f"{_number(m.get('test_ece')):>6} {_number(m.get('test_log_loss')):>8}  "
            f"{v.created:<25} {v.data_sha256[:12] or '-'}")
    return 0


def run(verb: str, argv: list[str]) -> int:
    from training.versions import NoSuchVersion, promote_version, rollback

    args = parser().parse_args(argv)
    if args.action == "list":
        return show(args.workdir, args.model_name)
    try:
        if args.action == "promote":
            if args.version is None:
                return fail("leadconv models promote needs a VERSION (see leadconv models list)")
            folder = promote_version(args.version, workdir=args.workdir,
                                     models_dir=args.models_dir, model_name=args.model_name)
            say(f"{args.model_name} v{args.version} is now the champion; bundle {folder}/")
        else:
            version, folder = rollback(workdir=args.workdir, models_dir=args.models_dir,
                                       model_name=args.model_name)
            say(f"rolled back: {args.model_name} v{version} is the champion again; bundle "
                f"{folder}/")
    except (NoSuchVersion, ValueError) as exc:
        return fail(str(exc))
    return 0
