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


@pytest.fixture(scope="session")
def flat_trained(flat_demo_dir, tmp_path_factory):
    """One flat training run on the flat demo (default config), shared by the flat training and
    flat report tests: (result, workdir with ``mlflow.db`` and ``models/champion``)."""
    from features.demo_flat import TARGET
    from training.train_flat import train_flat

    workdir = tmp_path_factory.mktemp("flat_mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        result = train_flat(flat_demo_dir / "export.csv", TARGET, workdir=workdir,
                            models_dir=workdir / "models")
    return result, workdir
