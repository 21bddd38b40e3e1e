"""Which database: light enough for the service's settings to import (no SQLAlchemy here)."""

from __future__ import annotations

from pathlib import Path

VARIABLE = "LEADCONV_DATABASE_URL"
DEFAULT_FILE = "leadconv.db"
OFF = ("off", "none", "no", "false", "0")  # LEADCONV_DATABASE_URL=off: no prediction log


def default_url(folder: str | Path | None = None) -> str:
    """The embedded default: SQLite ``leadconv.db`` in ``folder`` (default: working folder)."""
    return f"sqlite:///{(Path(folder or '.') / DEFAULT_FILE).resolve()}"


def resolve_url(url: str | None, folder: str | Path | None = None) -> str | None:
    """The database to use: ``url``; None when it says ``off``; the default when it is blank."""
    text = (url or "").strip()
    if text.lower() in OFF:
        return None
    return text or default_url(folder)
