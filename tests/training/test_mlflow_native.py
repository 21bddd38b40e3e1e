"""MLflow that feels native: the experiment opens on runs, runs say what ran and carry their
description and training data, and the registered model is a pyfunc that scores raw leads as
``leadconv score`` does (the ``trained`` and ``flat_trained`` runs of tests/conftest.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoring.pyfunc import OUTPUT_COLUMNS, event_rows
from training import track

ROOT = Path(__file__).resolve().parents[2]


def _client(workdir: Path):
    from mlflow import MlflowClient

    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


@pytest.fixture(scope="module")
def champion_run(trained):
    """(client, run, model version) of the ``trained`` champion."""
    client = _client(trained)
    version = client.get_model_version_by_alias("lead-conversion", "champion")
    return client, client.get_run(version.run_id), version


def test_experiment_is_tagged_for_model_training(trained, champion_run):
    client, _, _ = champion_run
    experiment = client.get_experiment_by_name(track.EXPERIMENT)
    assert experiment.tags["mlflow.experimentKind"] == "custom_model_development"


def test_run_name_says_which_data_which_model_and_when(demo_dir, champion_run):
    _, run, _ = champion_run
    name = run.info.run_name
    match = re.fullmatch(r"(.+)-events · (\w+) · (\d{4}-\d{2}-\d{2})", name)
    assert match, name
    assert match.group(1) == demo_dir.name
    # the trained fixture fits logistic regressions only: a tuned one or the default one
    assert match.group(2) in ("logreg", "default")
    started = pd.Timestamp(run.info.start_time, unit="ms", tz="UTC")
    assert match.group(3) == started.date().isoformat()


def test_run_description_is_the_model_card(champion_run):
    import mlflow

    client, run, _ = champion_run
    note = run.data.tags["mlflow.note.content"]
    card = mlflow.artifacts.load_text(f"{client.get_run(run.info.run_id).info.artifact_uri}"
                                      f"/model_card.md")
    assert note == card and len(note) > 200


def test_training_data_is_a_logged_dataset_with_its_source_and_digest(demo_dir, champion_run,
                                                                      trained_run):
    _, run, _ = champion_run
    inputs = run.inputs.dataset_inputs
    assert len(inputs) == 1
    dataset = inputs[0].dataset
    assert dataset.name == f"{demo_dir.name}-events"
    assert dataset.digest == run.data.tags["data_sha256"][:16]
    assert str(demo_dir) in dataset.source
    profile = json.loads(dataset.profile)
    assert profile["num_rows"] == trained_run["metrics"]["n_labelled"]
    assert [t.value for t in inputs[0].tags] == ["training"]


def test_signature_has_named_required_inputs_and_named_outputs(trained):
    from mlflow.models import get_model_info

    from scoring.pyfunc import LEAD_COLUMNS

    _model_data(trained)  # points MLflow at the trained store
    signature = get_model_info("models:/lead-conversion@champion").signature
    inputs = signature.inputs.to_dict()
    assert [c["name"] for c in inputs] == [*LEAD_COLUMNS, "activities", "scored_at"]
    assert all(c["required"] for c in inputs)
    assert {c["name"]: c["type"] for c in inputs}["budget"] == "double"
    assert [c["name"] for c in signature.outputs.to_dict()] == list(OUTPUT_COLUMNS)


PLAIN_SHELL = """
import json, sys
import mlflow, pandas as pd
mlflow.set_tracking_uri(sys.argv[1])
rows = pd.read_json(sys.argv[2], orient="records", dtype=False)
out = mlflow.pyfunc.load_model("models:/lead-conversion@champion").predict(rows)
print(out.to_json(orient="records", double_precision=15))
"""


def test_registered_model_scores_raw_leads_in_a_plain_python_like_leadconv_score(
        trained, demo_crm, tmp_path):
    """``mlflow.pyfunc.load_model(...).predict(raw_leads)`` in a fresh interpreter (no fixture,
    no model key) equals ``Scorer.score`` of the champion bundle (what ``leadconv score``
    writes) to 1e-9."""
    from scoring.event import Scorer

    at = demo_crm.as_of
    ids = demo_crm.leads["lead_id"].iloc[::60]  # 50 leads; the first without its activities
    leads = demo_crm.leads[demo_crm.leads["lead_id"].isin(set(ids))].reset_index(drop=True)
    activities = demo_crm.activities[demo_crm.activities["lead_id"].isin(set(ids[1:]))]
    rows = event_rows(leads, activities, at)
    assert rows["activities"].isna().any() and rows["activities"].notna().any()
    rows.to_json(tmp_path / "rows.json", orient="records")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_LOGGING_LEVEL": "WARNING"}
    env.pop("XDG_CONFIG_HOME", None)  # the pyfunc needs no model key
    done = subprocess.run([sys.executable, "-c", PLAIN_SHELL, f"sqlite:///{trained}/mlflow.db",
                           str(tmp_path / "rows.json")], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    got = pd.DataFrame(json.loads(done.stdout.strip().splitlines()[-1]))
    expected = Scorer.from_bundle(trained / "models" / "champion").score(leads, activities, at)
    assert list(got.columns) == list(OUTPUT_COLUMNS)
    assert list(got["lead_id"]) == list(expected["lead_id"])
    np.testing.assert_allclose(got["probability"], expected["probability"], rtol=0, atol=1e-9)
    assert list(got["score"]) == list(expected["score"])


def test_missing_scored_at_means_now_and_missing_activities_none(trained, demo_crm):
    from scoring.event import Scorer
    from scoring.pyfunc import _load_pyfunc

    model = _load_pyfunc(str(_model_data(trained)))
    lead = demo_crm.leads.iloc[:1].reset_index(drop=True)
    rows = event_rows(lead, demo_crm.activities.iloc[:0])
    before = pd.Timestamp.now(tz="UTC")
    out = model.predict(rows)
    expected = Scorer.from_bundle(trained / "models" / "champion").score(
        lead, demo_crm.activities.iloc[:0], before)
    assert rows["scored_at"].isna().all() and rows["activities"].isna().all()
    assert abs(out["probability"].iloc[0] - expected["probability"].iloc[0]) < 1e-9


def test_an_empty_batch_gives_no_rows_and_the_same_columns(trained, demo_crm):
    from scoring.pyfunc import _load_pyfunc

    model = _load_pyfunc(str(_model_data(trained)))
    rows = event_rows(demo_crm.leads.iloc[:2].reset_index(drop=True),
                      demo_crm.activities.iloc[:0], demo_crm.as_of)
    out = model.predict(rows.iloc[:0])
    assert len(out) == 0 and list(out.columns) == list(OUTPUT_COLUMNS)


def test_a_row_the_contract_rejects_is_an_error_naming_row_and_column(trained, demo_crm):
    from scoring.pyfunc import _load_pyfunc

    model = _load_pyfunc(str(_model_data(trained)))
    rows = event_rows(demo_crm.leads.iloc[:3].reset_index(drop=True),
                      demo_crm.activities.iloc[:0], demo_crm.as_of)
    rows.loc[1, "mql_at"] = "not a date"
    with pytest.raises(ValueError, match=r"input row 2, column 'mql_at'"):
        model.predict(rows)
    with pytest.raises(ValueError, match=r"input row 1, column 'mql_at' \('not a date'\)"):
        model.predict(rows.iloc[1:2])  # the only row
    rows = event_rows(demo_crm.leads.iloc[:1].reset_index(drop=True),
                      demo_crm.activities.iloc[:0], demo_crm.as_of).assign(activities="[1,")
    with pytest.raises(ValueError, match=r"row 1 .*column 'activities': not JSON"):
        model.predict(rows)


def _model_data(workdir: Path) -> Path:
    """The champion's pyfunc data folder in the embedded artifact store."""
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{workdir / 'mlflow.db'}")  # an earlier test's stays set
    local = Path(mlflow.artifacts.download_artifacts("models:/lead-conversion@champion"))
    return local / "data" / "leadconv"


def test_model_data_holds_no_pickle_and_a_foreign_type_is_refused(trained, tmp_path):
    """The MLmodel names our loader module; the data folder has a skops model, the card and
    the rules file; a skops file naming a type outside scoring.trusted is not loaded."""
    import collections
    import shutil

    import skops.io
    import yaml

    from scoring.bundle import StoreError
    from scoring.model_folder import load_model_folder

    data = _model_data(trained)
    mlmodel = yaml.safe_load((data.parents[1] / "MLmodel").read_text())
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "scoring.pyfunc"
    assert "python_model" not in mlmodel["flavors"]["python_function"]
    assert sorted(p.name for p in data.iterdir()) == ["model.json", "model.skops", "rules.toml"]
    assert not list(data.parents[1].rglob("*.pkl"))
    copy = shutil.copytree(data, tmp_path / "data")
    skops.io.dump({"f": collections.Counter()}, copy / "model.skops")  # a foreign type
    card = json.loads((copy / "model.json").read_text())
    card.pop("sha256")
    (copy / "model.json").write_text(json.dumps(card))
    with pytest.raises(StoreError, match="outside the allow-list"):
        load_model_folder(copy)


def test_flat_pyfunc_scores_raw_export_rows_like_the_flat_scorer(flat_trained, flat_demo_dir):
    import mlflow

    from features.flat_read import read_flat
    from scoring.flat import FlatScorer
    from scoring.pyfunc import FLAT_OUTPUT_COLUMNS

    _, workdir = flat_trained
    mlflow.set_tracking_uri(f"sqlite:///{workdir / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{workdir / 'mlflow.db'}")  # an earlier test's stays set
    frame = read_flat(flat_demo_dir / "export.csv").frame.iloc[:200]
    out = mlflow.pyfunc.load_model("models:/lead-conversion@champion").predict(frame)
    expected = FlatScorer.from_bundle(workdir / "models" / "champion").score(frame)
    assert list(out.columns) == list(FLAT_OUTPUT_COLUMNS)
    np.testing.assert_allclose(out["probability"], expected["probability"], rtol=0, atol=1e-9)
    assert list(out["lead_id"]) == [str(v) for v in expected.iloc[:, 0]]


def test_slow_steps_of_a_run_say_what_they_do_and_how_long_they_took(trained_run):
    lines = trained_run["progress"]
    for step in ("permutation importance of", "logging the run to MLflow", "writing the report",
                 "registered lead-conversion v1", "publishing"):
        started = [line for line in lines if step in line]
        assert started, f"no progress line for {step!r}"
    for step in ("permutation importance of", "logging the run to MLflow", "writing the report",
                 "publishing", "published model", "evaluated model"):
        assert any(re.search(rf"{re.escape(step)}.*: done \(\d+\.\ds\)$", line)
                   for line in lines), step
