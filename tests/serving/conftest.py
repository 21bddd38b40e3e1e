"""Serving fixtures: one small model trained per session, and apps built on copies of it."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.config import Settings
from tests.serving.helpers import KEY, client_for
from tests.serving.live import LIVE_BODY_LIMIT, LIVE_BODY_TIMEOUT_S, uvicorn_server


@pytest.fixture(scope="session")
def trained(tmp_path_factory, demo_dir, demo_crm) -> Path:
    """Workdir of one training run on the small demo: ``models/champion`` and ``mlflow.db``."""
    from training.config import TrainConfig
    from training.train import EventData, train

    workdir = tmp_path_factory.mktemp("trained")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        train(EventData(demo_dir, crm=demo_crm), TrainConfig(hgb_params=(), logreg_c=(0.05,)),
              promote="if_better", workdir=workdir, models_dir=workdir / "models")
    return workdir


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
