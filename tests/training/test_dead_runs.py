"""A training killed with SIGKILL leaves its MLflow run RUNNING (opened when the training
starts); the next training on the same store marks it FAILED (its process is gone) and says so,
and leaves live or foreign runs alone."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import training.train
from training import track
from training.config import TrainConfig
from training.train import EventData, train

ROOT = Path(__file__).resolve().parents[2]
FAST = {"hgb_params": (), "logreg_c": (0.05,), "calibration_methods": ("sigmoid",)}


class Stop(Exception):
    """Ends the second training once it has started (fitting is not what is tested)."""


def _running_run(db: Path, proc: subprocess.Popen, seconds: float) -> str:
    """The id of the first run the training process has open (status RUNNING)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the training ended before it was killed"
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5) as conn:
                row = conn.execute("SELECT run_uuid FROM runs WHERE status = 'RUNNING'").fetchone()
        except sqlite3.Error:  # not created yet, or being written
            row = None
        if row:
            return str(row[0])
        time.sleep(0.1)
    raise AssertionError(f"no RUNNING run within {seconds} s")


@pytest.mark.slow
def test_a_run_left_running_by_a_killed_training_is_marked_failed_by_the_next(
        demo_dir, demo_crm, tmp_path, monkeypatch):
    from mlflow import MlflowClient

    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    script = (f"from training.config import TrainConfig\n"
              f"from training.train import EventData, train\n"
              f"train(EventData({str(demo_dir)!r}), TrainConfig(**{FAST!r}), "
              f"workdir={str(tmp_path)!r}, "
              f"models_dir={str(tmp_path / 'models')!r}, promote='always')\n")
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=dict(os.environ),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        killed = _running_run(tmp_path / "mlflow.db", proc, seconds=300)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    tracking = track.resolve_tracking(tmp_path)
    client = MlflowClient(tracking_uri=tracking.tracking_uri)
    run = client.get_run(killed)
    assert run.info.status == "RUNNING"
    assert run.data.tags[track.PID_TAG] == str(proc.pid)
    assert run.data.tags[track.HOST_TAG] == socket.gethostname()
    experiment = run.info.experiment_id
    alive = client.create_run(experiment, tags={track.PID_TAG: str(os.getpid()),
                                                track.HOST_TAG: socket.gethostname()})
    elsewhere = client.create_run(experiment, tags={track.PID_TAG: str(proc.pid),
                                                    track.HOST_TAG: "another-host"})

    def stop(*args, **kwargs):
        raise Stop

    monkeypatch.setattr(training.train, "fit_and_evaluate", stop)
    lines: list[str] = []
    with pytest.raises(Stop):
        train(EventData(demo_dir, crm=demo_crm), TrainConfig(**FAST), workdir=tmp_path,
              models_dir=tmp_path / "models", progress=lines.append)
    assert client.get_run(killed).info.status == "FAILED"
    assert any(killed in line and "marked FAILED" in line for line in lines), lines
    assert client.get_run(alive.info.run_id).info.status == "RUNNING"  # its process lives
    assert client.get_run(elsewhere.info.run_id).info.status == "RUNNING"  # not this host's
