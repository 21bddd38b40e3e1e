"""The local model store (``models/``): the champion as a file plus a JSON card, checksummed.

Layout of a bundle folder (default ``models/champion/``)::

    model.joblib   the fitted, calibrated scikit-learn pipeline (features -> probability)
    model.json     version, alias, trained_at, metrics, features (name, label, family, kind),
                   data fingerprint, and ``sha256`` of model.joblib
    report.html    the marketers' report of that version (self-contained; ``report.page``)

Training writes it (``export_bundle``); the service and ``leadconv score`` read it
(``load_bundle``), refusing a file whose checksum does not match its card.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import joblib

from scoring.card import CardError, ModelCard

MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"
# The same card and report, as artifacts of the MLflow run that logged the model:
CARD_ARTIFACT = CARD_FILE
REPORT_ARTIFACT = "report/report.html"
REPORT_FILE = "report.html"


class StoreError(RuntimeError):
    """The bundle is missing, unreadable, or its checksum does not match."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_bundle(model: Any, card: ModelCard, folder: str | Path) -> Path:
    """Write model + card atomically (temp files, then rename) and return the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp_model = folder / f".{MODEL_FILE}.tmp"
    joblib.dump(model, tmp_model)
    card = card.replace(sha256=sha256_of(tmp_model), model_file=MODEL_FILE)
    tmp_card = folder / f".{CARD_FILE}.tmp"
    tmp_card.write_text(json.dumps(card.to_dict(), indent=2, default=str))
    os.replace(tmp_model, folder / MODEL_FILE)
    os.replace(tmp_card, folder / CARD_FILE)
    return folder


def write_report(html: str, folder: str | Path) -> Path:
    """Write ``report.html`` into a bundle folder atomically and return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{REPORT_FILE}.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, folder / REPORT_FILE)
    return folder / REPORT_FILE


def read_card(folder: str | Path) -> ModelCard:
    path = Path(folder) / CARD_FILE
    if not path.exists():
        raise StoreError(f"{path}: no model card; run `leadconv train` first")
    try:
        return ModelCard.from_dict(json.loads(path.read_text()))
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: not valid JSON: {exc}") from exc
    except CardError as exc:
        raise StoreError(f"{path}: {exc}") from exc


def load_bundle(folder: str | Path) -> tuple[Any, ModelCard]:
    """Return (model, card) after checking the model file's sha256 against the card."""
    folder = Path(folder)
    card = read_card(folder)
    model_path = folder / (card.model_file or MODEL_FILE)
    if not model_path.exists():
        raise StoreError(f"{model_path}: model file missing")
    actual = sha256_of(model_path)
    if actual != card.sha256:
        raise StoreError(f"{model_path}: checksum mismatch (card {card.sha256}, file "
                         f"{actual}); refusing to load")
    try:
        model = joblib.load(model_path)
    except Exception as exc:  # a corrupt pickle can raise almost anything
        raise StoreError(f"{model_path}: cannot be loaded: {exc}") from exc
    return model, card
