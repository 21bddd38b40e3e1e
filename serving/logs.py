"""Structured logs: one JSON object per line, and the per-request log line.

Nothing here configures logging at import time: ``leadconv serve`` passes ``log_config(level)`` to
uvicorn, which applies it in every worker. Lead data never reaches the logs: the request line holds
the route, status, duration, number of leads and model version only, and exceptions are logged by
type and stack without their message (messages of parsing errors can quote the input).
"""

from __future__ import annotations

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any

request_logger = logging.getLogger("serving.requests")

# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName",
                                                    "color_message"}  # uvicorn's ANSI copy


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "message", ...extra fields}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["exc_type"] = kind.__name__
            entry["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(entry, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: JSON lines on stderr for every logger."""
    handler = {"class": "logging.StreamHandler", "formatter": "default",
               "stream": "ext://sys.stderr"}
    json_formatter = {"()": f"{__name__}.JsonFormatter"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": json_formatter, "access": json_formatter},
        "handlers": {"default": handler},
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},  # ours is serving.requests
        },
    }


def log_request(*, route: str, method: str, status: int, seconds: float, request_id: str,
                n_leads: int | None, model_version: str | None) -> None:
    """The one log line per request."""
    request_logger.info(
        "%s %s %d", method, route, status,
        extra={"route": route, "method": method, "status": status,
               "duration_ms": round(seconds * 1000, 2), "request_id": request_id,
               "n_leads": n_leads, "model_version": model_version})
