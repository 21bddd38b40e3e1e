"""Settings from LEADCONV_* variables: parsed, validated, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.config import ConfigError, Settings, settings_from_env


def test_defaults(tmp_path):
    s = settings_from_env({}, cwd=tmp_path)
    assert s == Settings()
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
