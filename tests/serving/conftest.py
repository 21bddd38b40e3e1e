"""Serving fixtures: apps built on copies of the session's small trained model (``trained``,
in ``tests/conftest.py``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from serving.config import Settings
from tests.serving.helpers import KEY, client_for


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
