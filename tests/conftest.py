"""Shared fixtures: small deterministic demo data from our own generator (fixed seed), an
isolated embedded MLflow store per test module, never the user's, and a model key of the session
(never the user's ``~/.config/leadconv/model.key``).

Databases: ``postgres_server`` is the SQLAlchemy URL of a throwaway PostgreSQL server of the
session (``tests/postgres.py``: a fresh cluster in a temp folder, started the first time a test
asks for it, stopped and deleted at the end of the run). ``database_url`` is the URL of a fresh,
empty database for one test, once on SQLite (``sqlite:///<tmp_path>/log.db``) and once on that
PostgreSQL server (test ids ``sqlite`` and ``postgresql``): a test that takes it runs on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import fresh_database, throwaway_postgres

SMALL_DEMO = {"n_leads": 3000, "seed": 7}
# An export of the same demo taken four months earlier: a champion trained on it has not seen the
# newest test leads, so a later run can be compared with it fairly (``training.promotion``).
EARLIER_EXPORT = "2026-05-31"


@pytest.fixture(scope="session", autouse=True)
def model_key_home(tmp_path_factory):
    """Where the session's model key lives (``$XDG_CONFIG_HOME/leadconv/model.key``): the first
    training creates it there, every load of the session reads it (``scoring.signing``)."""
    home = tmp_path_factory.mktemp("xdg_config")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(home))
        mp.delenv("LEADCONV_MODEL_KEY", raising=False)
        mp.delenv("LEADCONV_MODEL_KEY_FILE", raising=False)
        yield home


@pytest.fixture(scope="session", autouse=True)
def prediction_store(tmp_path_factory):
    """The session's prediction store: commands that log by default (``leadconv score``) write
    here, never into the checkout's ``./leadconv.db``. Tests of the store pass their own."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'leadconv.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEADCONV_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A small demo export written to disk (event shape + truth.csv)."""
    from demodata.files import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, **SMALL_DEMO)
    return folder


@pytest.fixture(scope="session")
def demo_crm(demo_dir):
    """The small demo export, loaded and validated through the data contract."""
    from features.contract import load_crm

    return load_crm(demo_dir)


def scrambled(crm, seed: int = 0):
    """The export with every activity moved to a random lead: the behaviour features then say
    nothing, so any model of it, the default LogisticRegression included, is worse than one of
    the real export (the "worse challenger" of promotion tests)."""
    import dataclasses

    import numpy as np

    acts = crm.activities.copy()
    acts["lead_id"] = np.random.default_rng(seed).permutation(acts["lead_id"].to_numpy())
    return dataclasses.replace(crm, activities=acts)


@pytest.fixture(scope="session")
def scrambled_crm(demo_crm):
    """``scrambled(demo_crm)``."""
    return scrambled(demo_crm)


@pytest.fixture(scope="session")
def demo_xy(demo_crm):
    """Model inputs ``x``, labels ``y`` and the labelled frame of the small demo, at MQL time."""
    from features.build import build_features, feature_matrix
    from features.labels import make_labels

    features = build_features(demo_crm.leads, demo_crm.activities)
    labelled = make_labels(features["scored_at"], demo_crm.outcomes, demo_crm.as_of, 90).labelled
    return feature_matrix(features.loc[labelled.index]), labelled["label"].astype(int), labelled


FLAT_DEMO = {"n_leads": 8000, "seed": 11}


@pytest.fixture(scope="session")
def flat_demo_dir(tmp_path_factory):
    """The flat demo export (export.csv, truth.csv): ~6,300 leads whose horizon is over."""
    from demodata.flat import write_flat_demo

    folder = tmp_path_factory.mktemp("flat_demo")
    write_flat_demo(folder, **FLAT_DEMO)
    return folder


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
    from demodata.flat import TARGET
    from training.train import FlatData, train

    workdir = tmp_path_factory.mktemp("flat_mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        result = train(FlatData(flat_demo_dir / "export.csv", TARGET), promote="if_better",
                       workdir=workdir, models_dir=workdir / "models")
    return result, workdir


@pytest.fixture(scope="session")
def trained(tmp_path_factory, demo_dir, demo_crm) -> Path:
    """Workdir of one training run on the small demo (logistic regression only, promoted):
    ``models/champion`` and ``mlflow.db``; shared by the serving and publishing tests."""
    import json

    from training.config import TrainConfig
    from training.train import EventData, train

    workdir = tmp_path_factory.mktemp("trained")
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        mp.setenv("DO_NOT_TRACK", "true")
        result = train(EventData(demo_dir, crm=demo_crm),
                       TrainConfig(hgb_params=(), logreg_c=(0.05,)), promote="if_better",
                       workdir=workdir, models_dir=workdir / "models", progress=lines.append)
    # What the run said and measured, for tests about the run itself (``trained_run``)
    (workdir / "run.json").write_text(json.dumps({"metrics": result.metrics, "progress": lines},
                                                 default=str))
    return workdir


@pytest.fixture(scope="session")
def trained_run(trained) -> dict:
    """The ``trained`` run's metrics and progress lines."""
    import json

    return json.loads((trained / "run.json").read_text())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """SQLAlchemy URL of the session's throwaway PostgreSQL server (database ``leadconv``).
    Started only when a test asks for it; fails (never skips) when PostgreSQL is missing."""
    with throwaway_postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLAlchemy URL of a fresh, empty database for this test: SQLite in ``tmp_path``, or a new
    database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return fresh_database(request.getfixturevalue("postgres_server"))


BACKENDS = pytest.StashKey[dict[str, dict[str, int]]]()


FIGURES = pytest.StashKey[list[str]]()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcomes of the tests that ran on each database (``database_url``), and keep
    the figures tests record with ``record_property("figures", ...)`` (they reach this process
    from every worker)."""
    config = _CONFIG[0] if _CONFIG else None
    if config is not None and report.when == "call":
        config.stash.setdefault(FIGURES, []).extend(
            f"{report.nodeid.split('::')[-1]}: {value}"
            for key, value in report.user_properties if key == "figures")
    backend = next((b for b in ("sqlite", "postgresql") if f"[{b}" in report.nodeid
                    or f"-{b}]" in report.nodeid), None)
    if backend is None or not (report.when == "call" or report.outcome != "passed"):
        return
    config = _CONFIG[0] if _CONFIG else None
    if config is None:
        return
    counts = config.stash.setdefault(BACKENDS, {})
    counts.setdefault(backend, {})
    counts[backend][report.outcome] = counts[backend].get(report.outcome, 0) + 1


_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG.append(config)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line per database: how the tests that ran on it ended."""
    figures = config.stash.get(FIGURES, [])
    if figures:
        terminalreporter.section("figures")
        for line in figures:
            terminalreporter.write_line(line)
    counts = config.stash.get(BACKENDS, {})
    if counts:
        terminalreporter.section("prediction store tests by database")
        for backend in ("sqlite", "postgresql"):
            if backend in counts:
                terminalreporter.write_line(f"{backend}: " + ", ".join(
                    f"{n} {outcome}" for outcome, n in sorted(counts[backend].items())))
