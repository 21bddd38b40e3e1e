"""Serving fixtures: apps built on copies of the session's small trained model (``trained``,
in ``tests/conftest.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.config import Settings
from tests.serving.helpers import KEY, client_for
from tests.serving.live import LIVE_BODY_LIMIT, LIVE_BODY_TIMEOUT_S, uvicorn_server


@pytest.fixture
def models_dir(tmp_path, trained) -> Path:
    """A private copy of the trained store (tests may replace or corrupt its champion)."""
    folder = tmp_path / "models"
    shutil.copytree(trained / "models", folder)
    return folder


@pytest.fixture
def settings(models_dir) -> Settings:
    return Settings(models_dir=models_dir, api_keys=(KEY,), reload_seconds=0)


@pytest.fixture
def client(settings) -> Iterator[TestClient]:
    with client_for(settings) as c:
        yield c


@pytest.fixture(scope="session")
def live_server(trained, tmp_path_factory):
    """(process, port) of the service under uvicorn on the trained model, shared by the tests
    that need a real server: 1 MB body limit, 1 s body read timeout, no reload poll."""
    env = {"LEADCONV_MODELS_DIR": str(trained / "models"), "LEADCONV_API_KEYS": KEY,
           "LEADCONV_MAX_BODY_BYTES": str(LIVE_BODY_LIMIT),
           "LEADCONV_BODY_TIMEOUT": str(LIVE_BODY_TIMEOUT_S)}
    with uvicorn_server(tmp_path_factory.mktemp("live"), env) as (proc, port):
        yield proc, port


FIGURES = pytest.StashKey[list[str]]()


@pytest.fixture
def figures(request) -> Callable[[str], None]:
    """Record a line of figures (cases run, memory, ...): shown in the terminal summary of every
    run, ``pytest -q`` included, under "serving figures"."""
    lines = request.config.stash.setdefault(FIGURES, [])
    return lambda line: lines.append(f"{request.node.name}: {line}")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("serving figures")
        for line in lines:
            terminalreporter.write_line(line)
