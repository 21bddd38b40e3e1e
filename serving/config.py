"""Settings of the HTTP service: one frozen ``Settings``, built from ``LEADCONV_*`` variables.

This is the only module of ``serving/`` that reads the environment. ``get_settings()`` is cached;
tests build ``Settings(...)`` directly or call ``settings_from_env({...})``.

=============================  =====================================================  =========
variable                       meaning                                                default
=============================  =====================================================  =========
``LEADCONV_MODELS_DIR``        local model store; the champion is ``<dir>/champion``  models
``LEADCONV_MAX_BATCH``         most leads in one ``POST /v1/predict`` (more: 413)     1000
``LEADCONV_MAX_BODY_BYTES``    largest request body accepted (more: 413)              50000000
``LEADCONV_RELOAD_SECONDS``    how often to look for a new champion; 0 = never        30
``LEADCONV_API_KEYS``          comma-separated API keys (several: rotation)           none
``LEADCONV_API_KEYS_FILE``     file with one API key per line, ``#`` comments         none
``LEADCONV_REPORT_KEYS``       comma-separated read-only keys for ``GET /report``     none
                               (``?key=``; a browser cannot send a header)
``LEADCONV_RULES``             rules file (BANT, points, tiers)                       shipped
``LEADCONV_MODEL_SOURCE``      ``auto``, ``registry`` or ``local`` (see below)        auto
``LEADCONV_LOG_LEVEL``         level of the JSON logs                                 INFO
``MLFLOW_TRACKING_URI``        the MLflow registry to load the champion from          ./mlflow.db
=============================  =====================================================  =========

With ``LEADCONV_MODEL_SOURCE=auto`` the registry named by ``MLFLOW_TRACKING_URI`` is used; without
it, the embedded store ``./mlflow.db`` when it exists, but only while its champion is the same run
as the local bundle (``scoring.registry``). ``registry`` prefers the registry (``MLFLOW_TRACKING_URI``
or ``./mlflow.db``) even then; ``local`` never uses one. When the registry cannot deliver, the
local store is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PREFIX = "LEADCONV_"
MODEL_SOURCES = ("auto", "local", "registry")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class ConfigError(ValueError):
    """A setting is invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything the service is told from outside; passed down explicitly, never global."""

    models_dir: Path = Path("models")
    max_batch: int = 1000
    max_body_bytes: int = 50_000_000
    reload_seconds: float = 30.0
    api_keys: tuple[str, ...] = field(default=(), repr=False)
    report_keys: tuple[str, ...] = field(default=(), repr=False)
    rules_path: Path | None = None
    registry_uri: str | None = None
    prefer_registry: bool = False  # True: a registry named on purpose beats the local bundle
    model_name: str = "lead-conversion"
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if self.max_batch < 1:
            raise ConfigError(f"{PREFIX}MAX_BATCH must be ≥ 1, got {self.max_batch}")
        if self.max_body_bytes < 1:
            raise ConfigError(f"{PREFIX}MAX_BODY_BYTES must be ≥ 1, got {self.max_body_bytes}")
        if not self.reload_seconds >= 0:
            raise ConfigError(f"{PREFIX}RELOAD_SECONDS must be ≥ 0, got {self.reload_seconds}")
        if self.log_level not in LOG_LEVELS:
            raise ConfigError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                              f"got {self.log_level!r}")

    @property
    def champion_dir(self) -> Path:
        """The champion's bundle folder in the local store."""
        return self.models_dir / "champion"


def read_keys_file(path: Path) -> tuple[str, ...]:
    """API keys from a file: one per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{PREFIX}API_KEYS_FILE: cannot read {path}: {exc.strerror}") from exc
    return tuple(k for k in (line.split("#", 1)[0].strip() for line in lines) if k)


def _number(env: Mapping[str, str], name: str, default: float,
            kind: type[int] | type[float]) -> float:
    text = env.get(PREFIX + name, "").strip()
    if not text:
        return default
    try:
        return float(kind(text))
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{PREFIX}{name} must be {word}, got {text!r}") from None


def _registry_uri(env: Mapping[str, str], cwd: Path) -> str | None:
    source = env.get(PREFIX + "MODEL_SOURCE", "auto").strip().lower() or "auto"
    if source not in MODEL_SOURCES:
        raise ConfigError(f"{PREFIX}MODEL_SOURCE must be one of {', '.join(MODEL_SOURCES)}, "
                          f"got {source!r}")
    if source == "local":
        return None
    if env.get("MLFLOW_TRACKING_URI"):
        return env["MLFLOW_TRACKING_URI"]
    embedded = cwd / "mlflow.db"
    return f"sqlite:///{embedded.resolve()}" if embedded.exists() else None


def settings_from_env(env: Mapping[str, str], cwd: Path | None = None) -> Settings:
    """Build Settings from a mapping of environment variables (``cwd`` locates ./mlflow.db)."""
    keys = tuple(k.strip() for k in env.get(PREFIX + "API_KEYS", "").split(",") if k.strip())
    keys_file = env.get(PREFIX + "API_KEYS_FILE", "").strip()
    if keys_file:
        keys += read_keys_file(Path(keys_file))
    report_keys = tuple(k.strip() for k in env.get(PREFIX + "REPORT_KEYS", "").split(",")
                        if k.strip())
    rules = env.get(PREFIX + "RULES", "").strip()
    return Settings(
        models_dir=Path(env.get(PREFIX + "MODELS_DIR", "").strip() or "models"),
        max_batch=int(_number(env, "MAX_BATCH", 1000, int)),
        max_body_bytes=int(_number(env, "MAX_BODY_BYTES", 50_000_000, int)),
        reload_seconds=float(_number(env, "RELOAD_SECONDS", 30.0, float)),
        api_keys=tuple(dict.fromkeys(keys)),
        report_keys=tuple(dict.fromkeys(report_keys)),
        rules_path=Path(rules) if rules else None,
        registry_uri=_registry_uri(env, cwd or Path.cwd()),
        prefer_registry=bool(env.get("MLFLOW_TRACKING_URI"))
        or env.get(PREFIX + "MODEL_SOURCE", "").strip().lower() == "registry",
        log_level=env.get(PREFIX + "LOG_LEVEL", "INFO").strip().upper() or "INFO",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from ``os.environ``."""
    return settings_from_env(os.environ)


def export_to_env(values: Mapping[str, str]) -> None:
    """Set ``LEADCONV_*`` variables for worker processes (used by ``leadconv serve``)."""
    for name, value in values.items():
        os.environ[PREFIX + name] = value
    get_settings.cache_clear()
