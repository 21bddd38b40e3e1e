"""Training fixtures: an isolated embedded MLflow store per test module, never the user's."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def isolated_mlflow(tmp_path_factory):
    """A fresh workdir for the embedded MLflow store, with MLFLOW_TRACKING_URI unset."""
    workdir = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        yield workdir
