"""``notebooks/retrain.ipynb``: committed without outputs, holds no logic, runs top to bottom."""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from scoring.bundle import load_bundle
from tests.conftest import EARLIER_EXPORT
from training.config import TrainConfig
from training.train import EventData, train

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "retrain.ipynb"
WORSE = TrainConfig(hgb_params=(), logreg_c=(1e-6,))


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def with_parameters(notebook, **values: object):
    """Papermill-style: a cell setting ``values`` right after the cell tagged "parameters"."""
    tagged = [i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    notebook.cells.insert(tagged[0] + 1, nbformat.v4.new_code_cell(
        source, metadata={"tags": ["injected-parameters"]}))
    return notebook


def text_outputs(cell) -> str:
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.extend(str(v) for k, v in output.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert code_cells(notebook)
    for cell in code_cells(notebook):
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_notebook_holds_no_logic_only_library_calls():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    source = "\n".join(cell.source for cell in code_cells(notebook))
    for construct in ("def ", "class ", "lambda", "for ", "while ", "import pandas",
                      "import numpy", "import sklearn", "import mlflow"):
        assert construct not in source, construct


def test_notebook_runs_top_to_bottom_on_a_small_demo(tmp_path, demo_dir, demo_crm, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    # a weak champion of an earlier export already in production, so the notebook has one to
    # compare with fairly
    train(EventData(demo_dir, as_of=EARLIER_EXPORT), WORSE, workdir=tmp_path,
          models_dir=tmp_path / "models", promote="always")
    notebook = with_parameters(nbformat.read(NOTEBOOK, as_version=4), DATA_DIR=str(demo_dir),
                               WORKDIR=str(tmp_path), FAST=True)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    print(f"notebook executed in {elapsed:.1f}s")  # noqa: T201 (pytest -s shows it)

    outputs = [text_outputs(cell) for cell in code_cells(notebook)]
    everything = "\n".join(outputs)
    assert "challenger v2" in everything and "champion v1" in everything
    assert "v2 is now the champion" in everything
    _, card = load_bundle(tmp_path / "models" / "champion")
    assert card.version == "2"
    assert "data:image/png;base64," in everything  # the reliability plot beside the metrics
    assert "<iframe srcdoc=" in outputs[-1] and "What drives conversion" in outputs[-1]

    by_cell = {cell.get("id"): text_outputs(cell) for cell in code_cells(notebook)}
    look = by_cell["look"]  # the first look at the data, before training
    for words in ("Label rate over time", "(partial)", "Conversion by lead source",
                  "Missing values"):
        assert words in look, words
    assert "logreg_C0.05" in by_cell["candidates"]
    assert "valid_calibrated_log_loss" in by_cell["candidates"]
    assert by_cell["curves"].count("data:image/png;base64,") == 3  # ROC/PR, lift, reliability
    assert re.search(rf"#/runs/{card.run_id}\b", by_cell["mlflow"])  # the challenger's run
