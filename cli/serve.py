"""``leadconv serve``: run the HTTP service (uvicorn) on the champion model.

Before uvicorn starts, the champion is loaded and self-tested once, so a missing or broken model is
a clear error with exit code 2 rather than a server that is never ready. Settings come from
``LEADCONV_*`` variables (``serving.config``); options given here override them and are handed to
the worker processes through the environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.output import HelpFormatter, fail, say


def serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(formatter_class=HelpFormatter,
        prog="leadconv serve",
        description="Serve calibrated conversion probabilities, BANT flags and reasons over HTTP "
                    "(POST /v1/predict; docs at /docs). API keys: LEADCONV_API_KEYS or "
                    "LEADCONV_API_KEYS_FILE; without one, a key is generated and printed.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8000, help="port to listen on")
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (each loads the model and polls for a new one)")
    p.add_argument("--models-dir", type=Path, default=None,
                   help="local model store holding champion/ (default: LEADCONV_MODELS_DIR or "
                        "models)")
    p.add_argument("--rules", type=Path, default=None,
                   help="rules file (default: LEADCONV_RULES or the shipped one)")
    return p


def announce_key(key: str) -> None:
    """Tell the operator the generated key, once, on stderr (never logged)."""
    sys.stderr.write(
        "leadconv: no API key configured; generated one for this process only:\n"
        f"    X-API-Key: {key}\n"
        "  Set your own (comma-separated to rotate) with LEADCONV_API_KEYS=... or a file of keys "
        "with LEADCONV_API_KEYS_FILE=path.\n")
    sys.stderr.flush()


def serve(args: argparse.Namespace) -> int:
    import secrets

    from serving.config import export_to_env, get_settings
    from serving.holder import ModelLoadError, load_champion
    from serving.logs import log_config

    if args.workers < 1:
        return fail(f"--workers must be ≥ 1, got {args.workers}")
    overrides = {}
    if args.models_dir is not None:
        overrides["MODELS_DIR"] = str(args.models_dir.resolve())
    if args.rules is not None:
        overrides["RULES"] = str(args.rules.resolve())
    export_to_env(overrides)
    settings = get_settings()
    try:
        loaded = load_champion(settings)
    except ModelLoadError as exc:
        return fail(str(exc))
    if not settings.api_keys:
        key = secrets.token_urlsafe(24)
        export_to_env({"API_KEYS": key})
        announce_key(key)
    say(f"serving model v{loaded.version} from {loaded.source} on "
        f"http://{args.host}:{args.port} with {args.workers} worker(s); API docs at /docs")
    import uvicorn

    uvicorn.run("serving.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_config=log_config(get_settings().log_level),
                access_log=False)
    return 0


def run(verb: str, argv: list[str]) -> int:
    from features.rules import RulesError
    from scoring.bundle import StoreError
    from serving.config import ConfigError

    try:
        return serve(serve_parser().parse_args(argv))
    except StoreError as exc:
        return fail(f"{exc}. Run `leadconv train --data DIR` first.")
    except (ConfigError, RulesError) as exc:
        return fail(str(exc))
