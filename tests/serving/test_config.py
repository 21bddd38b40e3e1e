"""Settings from LEADCONV_* variables (environment over .env): parsed, validated, and errors
naming the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from serving.config import ConfigError, Settings, get_settings, settings_from_env


def embedded_log(folder: Path) -> Settings:
    """``Settings()`` with the variables' default prediction store: ``folder``/leadconv.db."""
    return Settings(database_url=f"sqlite:///{(folder / 'leadconv.db').resolve()}")


def test_defaults(tmp_path):
    s = settings_from_env({}, cwd=tmp_path)
    assert s == embedded_log(tmp_path)
    assert Settings().database_url is None  # keywords only: no log unless asked
    assert (s.models_dir, s.max_batch, s.reload_seconds, s.api_keys) == (
        Path("models"), 1000, 30.0, ())
    assert s.champion_dir == Path("models/champion")
    assert s.registry_uri is None


def test_values_from_the_environment(tmp_path):
    s = settings_from_env({"LEADCONV_MODELS_DIR": "/srv/models", "LEADCONV_MAX_BATCH": "50",
                           "LEADCONV_RELOAD_SECONDS": "0", "LEADCONV_RULES": "r.toml",
                           "LEADCONV_API_KEYS": " k1 , k2,,k1 "}, cwd=tmp_path)
    assert s.models_dir == Path("/srv/models")
    assert s.max_batch == 50
    assert s.reload_seconds == 0
    assert s.rules_path == Path("r.toml")
    assert s.api_keys == ("k1", "k2")


def test_limits_from_the_environment(tmp_path):
    s = settings_from_env({"LEADCONV_BODY_TIMEOUT": "2.5", "LEADCONV_MAX_CONCURRENT": "3",
                           "LEADCONV_MAX_QUEUE": "0", "LEADCONV_MAX_QUEUE_WAIT": "0.2"},
                          cwd=tmp_path)
    assert (s.body_timeout, s.max_concurrent, s.max_queue, s.max_queue_wait) == (2.5, 3, 0, 0.2)


def test_keys_file_lines_and_comments_are_added_to_env_keys(tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("# rotated 2026-11\nnew-key   # for the CRM\n\n  old-key\n#disabled-key\n")
    s = settings_from_env({"LEADCONV_API_KEYS": "env-key",
                           "LEADCONV_API_KEYS_FILE": str(keys)}, cwd=tmp_path)
    assert s.api_keys == ("env-key", "new-key", "old-key")


def test_missing_keys_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="LEADCONV_API_KEYS_FILE: cannot read"):
        settings_from_env({"LEADCONV_API_KEYS_FILE": str(tmp_path / "nope")}, cwd=tmp_path)


@pytest.mark.parametrize(("env", "message"), [
    ({"LEADCONV_MAX_BATCH": "lots"}, "LEADCONV_MAX_BATCH must be a whole number, got 'lots'"),
    ({"LEADCONV_MAX_BATCH": "0"}, "LEADCONV_MAX_BATCH must be ≥ 1"),
    ({"LEADCONV_RELOAD_SECONDS": "-1"}, "LEADCONV_RELOAD_SECONDS must be ≥ 0"),
    ({"LEADCONV_MODEL_SOURCE": "cloud"}, "LEADCONV_MODEL_SOURCE must be one of auto, local"),
    ({"LEADCONV_LOG_LEVEL": "loud"}, "LEADCONV_LOG_LEVEL must be one of"),
    ({"LEADCONV_BODY_TIMEOUT": "0"}, "LEADCONV_BODY_TIMEOUT must be a number > 0"),
    ({"LEADCONV_MAX_CONCURRENT": "0"}, "LEADCONV_MAX_CONCURRENT must be ≥ 1"),
    ({"LEADCONV_MAX_QUEUE": "-1"}, "LEADCONV_MAX_QUEUE must be ≥ 0"),
    ({"LEADCONV_MAX_QUEUE_WAIT": "soon"}, "LEADCONV_MAX_QUEUE_WAIT must be a number"),
])
def test_invalid_values_name_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        settings_from_env(env, cwd=tmp_path)


def test_registry_is_tried_when_configured_or_the_embedded_store_exists(tmp_path):
    uri = "http://mlflow.internal:5000"
    assert settings_from_env({"MLFLOW_TRACKING_URI": uri}, cwd=tmp_path).registry_uri == uri
    assert settings_from_env({}, cwd=tmp_path).registry_uri is None
    (tmp_path / "mlflow.db").touch()
    assert settings_from_env({}, cwd=tmp_path).registry_uri == (
        f"sqlite:///{(tmp_path / 'mlflow.db').resolve()}")
    assert settings_from_env({"LEADCONV_MODEL_SOURCE": "local", "MLFLOW_TRACKING_URI": uri},
                             cwd=tmp_path).registry_uri is None


def test_keys_are_not_shown_in_repr():
    assert "secret-key" not in repr(Settings(api_keys=("secret-key",)))


@pytest.fixture
def in_empty_dir(tmp_path, monkeypatch):
    """A working directory of its own, none of the variables set, the settings cache cleared."""
    monkeypatch.chdir(tmp_path)
    for name in [n for n in os.environ if n.upper().startswith("LEADCONV_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_get_settings_reads_dotenv_and_the_environment_wins(in_empty_dir, monkeypatch):
    uri = "http://mlflow.internal:5000"
    (in_empty_dir / ".env").write_text(
        "# copied from .env.example\nLEADCONV_MAX_BATCH=25\n"
        f"LEADCONV_API_KEYS=file-key-1,file-key-2\nMLFLOW_TRACKING_URI={uri}\n", encoding="utf-8")
    s = get_settings()
    assert (s.max_batch, s.api_keys) == (25, ("file-key-1", "file-key-2"))
    assert (s.registry_uri, s.prefer_registry) == (uri, True)  # unprefixed, from the file too

    monkeypatch.setenv("LEADCONV_API_KEYS", "env-key")
    monkeypatch.setenv("LEADCONV_MODELS_DIR", "/srv/models")
    get_settings.cache_clear()
    s = get_settings()
    assert (s.api_keys, s.models_dir, s.max_batch) == (("env-key",), Path("/srv/models"), 25)


def test_dotenv_errors_name_the_variable(in_empty_dir):
    (in_empty_dir / ".env").write_text("LEADCONV_MAX_BATCH=0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="LEADCONV_MAX_BATCH must be ≥ 1"):
        get_settings()


def test_settings_from_a_mapping_or_keywords_read_neither_environment_nor_dotenv(in_empty_dir,
                                                                                monkeypatch):
    (in_empty_dir / ".env").write_text("LEADCONV_API_KEYS=file-key\n", encoding="utf-8")
    monkeypatch.setenv("LEADCONV_MAX_BATCH", "7")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    assert settings_from_env({}, cwd=in_empty_dir) == embedded_log(in_empty_dir)
    assert Settings(models_dir=Path("m")) == Settings(models_dir=Path("m"), max_batch=1000,
                                                      api_keys=(), registry_uri=None)
    assert get_settings().max_batch == 7  # while get_settings() does read both
    assert get_settings().api_keys == ("file-key",)


def test_only_the_documented_variables_are_read(tmp_path):
    s = settings_from_env({"LEADCONV_MODEL_NAME": "other", "LEADCONV_REGISTRY_URI": "sqlite:///x",
                           "LEADCONV_PREFER_REGISTRY": "true", "RULES_PATH": "r.toml"},
                          cwd=tmp_path)
    assert s == embedded_log(tmp_path)


def test_the_prediction_store_is_named_or_off(tmp_path):
    url = "postgresql+psycopg://u:p@db/leadconv"
    assert settings_from_env({"LEADCONV_DATABASE_URL": url}, cwd=tmp_path).database_url == url
    assert settings_from_env({"LEADCONV_DATABASE_URL": "off"}, cwd=tmp_path).database_url is None
    assert settings_from_env({"LEADCONV_TREND_POINTS": "8", "LEADCONV_MONITOR_SECONDS": "0"},
                             cwd=tmp_path).trend_points == 8
    with pytest.raises(ConfigError, match="LEADCONV_TREND_POINTS must be ≥ 1"):
        settings_from_env({"LEADCONV_TREND_POINTS": "0"}, cwd=tmp_path)
    assert "p@db" not in repr(settings_from_env({"LEADCONV_DATABASE_URL": url}, cwd=tmp_path))


def test_blank_and_lower_case_names(tmp_path):
    s = settings_from_env({"LEADCONV_MAX_BATCH": "  ", "leadconv_log_level": " debug "},
                          cwd=tmp_path)
    assert (s.max_batch, s.log_level) == (1000, "DEBUG")
