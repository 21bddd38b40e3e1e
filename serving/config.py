"""Settings of the HTTP service: one frozen ``Settings``, built from ``LEADCONV_*`` variables.

This is the only module of ``serving/`` that reads the environment. ``get_settings()`` reads the
variables below from the process environment and from a ``.env`` file in the working directory
(a variable set in the environment wins over the file), once; tests build ``Settings(...)``
directly or call ``settings_from_env({...})``, which reads only the mapping it is given.

``Settings`` is a pydantic-settings model so that the variables are described in one place: the
``LEADCONV_`` prefix, the ``.env`` file and its encoding are its ``model_config``, each setting
with a variable of its own is a field of that name, and every check (numbers, ranges, log level)
is a validator of the model; a bad value is a ``ConfigError`` naming the variable.
``Settings(...)`` with keywords is exactly those values: it reads neither the environment nor
``.env`` (that is ``get_settings()``), so a test's settings never pick up the developer's.

=============================  =====================================================  =========
variable                       meaning                                                default
=============================  =====================================================  =========
``LEADCONV_MODELS_DIR``        local model store; the champion is ``<dir>/champion``  models
``LEADCONV_MAX_BATCH``         most leads in one ``POST /v1/predict`` (more: 413)     1000
``LEADCONV_MAX_BODY_BYTES``    largest request body accepted (more: 413), counted     50000000
                               while it is read, chunked or not
``LEADCONV_BODY_TIMEOUT``      seconds to wait for the next piece of a request body   10
                               (longer: 408 and the connection is dropped)
``LEADCONV_MAX_CONCURRENT``    requests processed at once (probes and metrics aside)  1
``LEADCONV_MAX_QUEUE``         requests waiting for a free slot (more: 503 at once)   2
``LEADCONV_MAX_QUEUE_WAIT``    seconds a request may wait for a slot (then 503)       0.5
``LEADCONV_RELOAD_SECONDS``    how often to look for a new champion; 0 = never        30
``LEADCONV_API_KEYS``          comma-separated API keys (several: rotation)           none
``LEADCONV_API_KEYS_FILE``     file with one API key per line, ``#`` comments         none
``LEADCONV_REPORT_KEYS``       comma-separated read-only keys for ``GET /report``     none
                               (``?key=``; a browser cannot send a header)
``LEADCONV_RULES``             rules file (BANT, points, tiers)                       shipped
``LEADCONV_MODEL_SOURCE``      ``auto``, ``registry`` or ``local`` (see below)        auto
``LEADCONV_LOG_LEVEL``         level of the JSON logs                                 INFO
``LEADCONV_MODEL_KEY``         key verifying the local bundle's signature (the one    none
                               training signed with; ``scoring.signing``)
``LEADCONV_MODEL_KEY_FILE``    file holding that key when the variable is unset       ~/.config/
                                                                                      leadconv/
                                                                                      model.key
``LEADCONV_DATABASE_URL``      the prediction store (SQLAlchemy URL; ``off``: no      ./leadconv.db
                               prediction log, no trend), ``store.database``
``LEADCONV_TREND_POINTS``      a score this many points above (below) the lead's      5
                               previous one is "improving" ("declining")
``LEADCONV_STRICT_FIELDS``     ``true``: a lead with a field the API does not know is   false
                               an error; ``false``: it is scored, and the answer
                               lists the fields it ignored
``LEADCONV_LOG_MAX_BACKLOG``   most scores waiting to be written to the log (more     100000
                               are dropped and counted while the database is down)
``LEADCONV_MONITOR_SECONDS``   how often the service checks the served model on the   3600
                               log (``/monitor``, ``leadconv_monitor_*``); 0: only
                               when ``/monitor`` is asked for
``LEADCONV_DATE_MIN``          the earliest date accepted anywhere (ISO 8601; a date   1990-01-01
                               alone: its first second; UTC without an offset); a
                               lead with a date before it gets its own error
``LEADCONV_DATE_MAX``          the latest date accepted (a date alone: its last       2100-12-31
                               second); also read by the command line
``MLFLOW_TRACKING_URI``        the MLflow registry to load the champion from          ./mlflow.db
=============================  =====================================================  =========

Names are matched without regard to case; a blank value counts as unset. With
``LEADCONV_MODEL_SOURCE=auto`` the registry named by ``MLFLOW_TRACKING_URI`` is used; without
it, the embedded store ``./mlflow.db`` when it exists, but only while its champion is the same run
as the local bundle (``scoring.registry``). ``registry`` prefers the registry
(``MLFLOW_TRACKING_URI`` or ``./mlflow.db``) even then; ``local`` never uses one. When the registry
cannot deliver, the local store is used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from features.dates import DateWindow
from scoring.signing import resolve_key
from store.url import resolve_url

PREFIX = "LEADCONV_"
MODEL_SOURCES = ("auto", "local", "registry")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# Fields with no variable of their own: the registry pair is worked out from
# LEADCONV_MODEL_SOURCE, MLFLOW_TRACKING_URI and ./mlflow.db; the model name is fixed.
NOT_VARIABLES = frozenset({"registry_uri", "prefer_registry", "model_name", "database_url"})


class ConfigError(ValueError):
    """A setting is invalid; the message names the variable."""


def split_keys(keys: str | Iterable[str]) -> tuple[str, ...]:
    """Keys from comma-separated text or a sequence: stripped, blanks dropped, first copy kept."""
    parts = keys.split(",") if isinstance(keys, str) else keys
    return tuple(dict.fromkeys(k for k in (part.strip() for part in parts) if k))


# A tuple field read from a variable: pydantic-settings would parse it as JSON; NoDecode leaves
# the text to split_keys (comma-separated, as the variables have always been written).
Keys = Annotated[tuple[str, ...], NoDecode]


def _variable(field_name: str) -> str:
    return PREFIX + field_name.upper()


class Settings(BaseSettings):
    """Everything the service is told from outside; passed down explicitly, never global."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=".env", env_file_encoding="utf-8", frozen=True,
        extra="ignore", populate_by_name=True)

    models_dir: Path = Path("models")
    max_batch: int = 1000
    max_body_bytes: int = 50_000_000
    body_timeout: float = 10.0
    # Overload: sized for one worker on 2 cores and one-lead requests (~10-20 ms each). One
    # worker scores one request at a time whatever the threads (Python's GIL): a second slot only
    # adds contention, and every waiting request adds a service time to the latency of the
    # accepted ones. See serving.admission and benchmarks/overload_bench.py.
    max_concurrent: int = 1
    max_queue: int = 2
    max_queue_wait: float = 0.5
    reload_seconds: float = 30.0
    api_keys: Keys = Field(default=(), repr=False)
    report_keys: Keys = Field(default=(), repr=False)
    rules_path: Path | None = Field(default=None, validation_alias=PREFIX + "RULES")
    registry_uri: str | None = None
    prefer_registry: bool = False  # True: a registry named on purpose beats the local bundle
    model_name: str = "lead-conversion"
    log_level: str = "INFO"
    model_key: str | None = Field(default=None, repr=False)
    model_key_file: Path | None = None
    # The prediction store: None = no log (the default of Settings(...); get_settings() and
    # settings_from_env() fill in ./leadconv.db unless LEADCONV_DATABASE_URL says off).
    database_url: str | None = Field(default=None, repr=False)
    trend_points: int = 5
    strict_fields: bool = False
    log_max_backlog: int = 100_000
    monitor_seconds: float = 3600.0
    # The dates accepted in any request (features.dates.DateWindow): a date alone is the start
    # of that day for the minimum and its end for the maximum; UTC without an offset.
    date_min: str = "1990-01-01"
    date_max: str = "2100-12-31"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keywords only: the variables are read by ``get_settings``/``settings_from_env``."""
        return (init_settings,)

    @field_validator("api_keys", "report_keys", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> Any:
        return split_keys(value) if isinstance(value, str | list | tuple) else value

    @field_validator("max_batch", "max_body_bytes", "max_concurrent", "max_queue",
                     "trend_points", "log_max_backlog", mode="before")
    @classmethod
    def _whole_number(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return int(value.strip())
        except ValueError:
            raise ValueError(f"{_variable(str(info.field_name))} must be a whole number, "
                             f"got {value.strip()!r}") from None

    @field_validator("reload_seconds", "body_timeout", "max_queue_wait", "monitor_seconds",
                     mode="before")
    @classmethod
    def _number(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return float(value.strip())
        except ValueError:
            raise ValueError(f"{_variable(str(info.field_name))} must be a number, "
                             f"got {value.strip()!r}") from None

    @field_validator("max_batch", "max_body_bytes", "max_concurrent", "trend_points",
                     "log_max_backlog")
    @classmethod
    def _at_least_one(cls, value: int, info: ValidationInfo) -> int:
        if value < 1:
            raise ValueError(f"{_variable(str(info.field_name))} must be ≥ 1, got {value}")
        return value

    @field_validator("reload_seconds", "max_queue", "max_queue_wait", "monitor_seconds")
    @classmethod
    def _not_negative(cls, value: float, info: ValidationInfo) -> float:
        if not value >= 0:  # also refuses nan
            raise ValueError(f"{_variable(str(info.field_name))} must be ≥ 0, got {value}")
        return value

    @field_validator("body_timeout")
    @classmethod
    def _positive(cls, value: float, info: ValidationInfo) -> float:
        if not (value > 0 and value != float("inf")):  # also refuses nan
            raise ValueError(f"{_variable(str(info.field_name))} must be a number > 0, "
                             f"got {value}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value not in LOG_LEVELS:
            raise ValueError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, "
                             f"got {value!r}")
        return value

    @model_validator(mode="after")
    def _usable_window(self) -> Settings:
        self.date_window  # noqa: B018 (raises with the variables named when unusable)
        return self

    @property
    def date_window(self) -> DateWindow:
        """The accepted dates (``LEADCONV_DATE_MIN`` to ``LEADCONV_DATE_MAX``)."""
        return DateWindow.from_text(self.date_min, self.date_max)

    @property
    def champion_dir(self) -> Path:
        """The champion's bundle folder in the local store."""
        return self.models_dir / "champion"

    def bundle_key(self) -> bytes | None:
        """The model key verifying the local bundle: ``model_key``, else the key file (same rule
        as training, ``scoring.signing.resolve_key``); None when there is none."""
        return resolve_key(self.model_key, self.model_key_file)


class Variables(EnvSettingsSource):
    """pydantic-settings' environment source for ``Settings``, over given mappings of variables.

    Later mappings win; names are matched without regard to case and values are stripped, blank
    ones dropped (unset). Calling it gives the fields that have a variable of their own;
    ``value`` reads any variable (those that are not a field: the keys file, the model source and
    ``MLFLOW_TRACKING_URI``).
    """

    def __init__(self, *mappings: Mapping[str, str | None]) -> None:
        self._mappings = mappings
        super().__init__(Settings)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        found: dict[str, str | None] = {}
        for mapping in self._mappings:
            for name, value in mapping.items():
                if value is not None and value.strip():
                    found[name if self.case_sensitive else name.lower()] = value.strip()
        return found

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, value in super().__call__().items()
                if name not in NOT_VARIABLES}

    def value(self, name: str) -> str:
        """The variable ``name`` (full name, e.g. ``LEADCONV_MODEL_SOURCE``); ``""`` when unset."""
        return self.env_vars.get(name if self.case_sensitive else name.lower()) or ""


def read_keys_file(path: Path) -> tuple[str, ...]:
    """API keys from a file: one per line; blank lines and ``#`` comments are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{PREFIX}API_KEYS_FILE: cannot read {path}: {exc.strerror}") from exc
    return tuple(k for k in (line.split("#", 1)[0].strip() for line in lines) if k)


def _registry(variables: Variables, cwd: Path) -> dict[str, Any]:
    """``registry_uri`` and ``prefer_registry``: from the model source, MLflow URI, ./mlflow.db."""
    source = variables.value(PREFIX + "MODEL_SOURCE").lower() or "auto"
    if source not in MODEL_SOURCES:
        raise ConfigError(f"{PREFIX}MODEL_SOURCE must be one of {', '.join(MODEL_SOURCES)}, "
                          f"got {source!r}")
    tracking_uri = variables.value("MLFLOW_TRACKING_URI")
    embedded = cwd / "mlflow.db"
    if source == "local":
        uri = None
    elif tracking_uri:
        uri = tracking_uri
    else:
        uri = f"sqlite:///{embedded.resolve()}" if embedded.exists() else None
    return {"registry_uri": uri, "prefer_registry": bool(tracking_uri) or source == "registry"}


def _error_text(exc: ValidationError) -> str:
    """The validators' messages (they name the variable); any other error with its variable."""
    texts = []
    for error in exc.errors():
        if error["type"] == "value_error":
            texts.append(str(error["ctx"]["error"]))
        else:
            name = str(error["loc"][0]) if error["loc"] else ""
            texts.append(f"{name if name.startswith(PREFIX) else _variable(name)}: "
                         f"{error['msg']}")
    return "; ".join(texts)


def _build(variables: Variables, cwd: Path) -> Settings:
    values = variables()
    keys_file = variables.value(PREFIX + "API_KEYS_FILE")
    if keys_file:
        values["api_keys"] = split_keys(values.get("api_keys", "")) + read_keys_file(
            Path(keys_file))
    values.update(_registry(variables, cwd))
    values["database_url"] = resolve_url(variables.value(PREFIX + "DATABASE_URL"), cwd)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_error_text(exc)) from None


def settings_from_env(env: Mapping[str, str], cwd: Path | None = None) -> Settings:
    """Settings from the mapping ``env`` alone (not ``os.environ``, not ``.env``); ``cwd``
    locates ./mlflow.db."""
    return _build(Variables(env), cwd or Path.cwd())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings: ``os.environ`` over the ``.env`` file of the working directory,
    read once."""
    dotenv = DotEnvSettingsSource(Settings).env_vars  # model_config: env_file, env_file_encoding
    return _build(Variables(dotenv, os.environ), Path.cwd())


def export_to_env(values: Mapping[str, str]) -> None:
    """Set ``LEADCONV_*`` variables for worker processes (used by ``leadconv serve``)."""
    for name, value in values.items():
        os.environ[PREFIX + name] = value
    get_settings.cache_clear()
