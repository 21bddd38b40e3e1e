"""``leadconv serve``: refuses to start without a model; otherwise hands uvicorn the app factory."""

from __future__ import annotations

import shutil

import pytest
import uvicorn

from cli.main import main as leadconv
from serving.config import get_settings


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No registry, no keys; whatever ``serve`` exports is undone after the test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    for name in ("MODELS_DIR", "API_KEYS", "API_KEYS_FILE", "RULES", "MODEL_SOURCE"):
        monkeypatch.setenv(f"LEADCONV_{name}", "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def uvicorn_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    return calls


def test_serve_without_a_model_exits_2_with_a_clear_message(clean_env, tmp_path, capsys,
                                                            uvicorn_calls):
    code = leadconv(["serve", "--models-dir", str(tmp_path / "models")])
    assert code == 2
    err = capsys.readouterr().err
    assert "no champion model found in" in err
    assert "run `leadconv train --data DIR` first" in err
    assert uvicorn_calls == []


def test_serve_with_a_corrupt_model_exits_2(clean_env, tmp_path, trained, capsys,
                                            uvicorn_calls):
    shutil.copytree(trained / "models", tmp_path / "models")
    (tmp_path / "models" / "champion" / "model.skops").write_bytes(b"garbage")
    assert leadconv(["serve", "--models-dir", str(tmp_path / "models")]) == 2
    assert "checksum mismatch" in capsys.readouterr().err
    assert uvicorn_calls == []


def test_serve_generates_and_prints_a_key_when_none_is_configured(clean_env, tmp_path, trained,
                                                                  capsys, uvicorn_calls):
    shutil.copytree(trained / "models", tmp_path / "models")
    code = leadconv(["serve", "--models-dir", "models", "--port", "9123", "--workers", "2"])
    assert code == 0
    [(args, kwargs)] = uvicorn_calls
    assert args == ("serving.app:create_app",)
    assert kwargs["factory"] is True
    assert (kwargs["host"], kwargs["port"], kwargs["workers"]) == ("127.0.0.1", 9123, 2)
    settings = get_settings()  # what the workers will read from the environment
    [key] = settings.api_keys
    assert len(key) >= 32
    err = capsys.readouterr().err
    assert err.count(key) == 1
    assert "LEADCONV_API_KEYS" in err
    assert settings.models_dir == (tmp_path / "models").resolve()


def test_serve_uses_configured_keys_and_prints_none(clean_env, tmp_path, trained, capsys,
                                                    monkeypatch, uvicorn_calls):
    shutil.copytree(trained / "models", tmp_path / "models")
    monkeypatch.setenv("LEADCONV_API_KEYS", "mine-1,mine-2")
    assert leadconv(["serve"]) == 0
    assert get_settings().api_keys == ("mine-1", "mine-2")
    assert "X-API-Key" not in capsys.readouterr().err


def test_serve_generates_a_different_key_each_start(clean_env, tmp_path, trained, monkeypatch,
                                                    uvicorn_calls):
    shutil.copytree(trained / "models", tmp_path / "models")
    keys = []
    for _ in range(2):
        monkeypatch.setenv("LEADCONV_API_KEYS", "")
        assert leadconv(["serve"]) == 0
        keys.append(get_settings().api_keys)
    assert keys[0] != keys[1]
