"""The data folder of the registered pyfunc (``scoring.pyfunc``): the fitted pipeline as a skops
file, its card and the rules file, written at training and read back without unpickling.

Layout (``<logged model>/data/leadconv/``)::

    model.skops   the fitted, calibrated pipeline (skops; types checked against scoring.trusted)
    model.json    the card as known at registration, with the model file's sha256
    rules.toml    the rules file the scores use (BANT, points, tiers)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from scoring.bundle import CARD_FILE, MODEL_FILE, StoreError, inside, read_card, sha256_of
from scoring.card import ModelCard

RULES_FILE = "rules.toml"
__all__ = ["RULES_FILE", "load_model_folder", "write_model_folder"]


def write_model_folder(folder: str | Path, model: Any, card: ModelCard,
                       rules_path: str | Path | None = None) -> Path:
    """Write the pyfunc's data folder: ``model.skops``, ``model.json`` (the card, with the
    model's sha256) and ``rules.toml`` (the rules file the scores use; default: shipped)."""
    import skops.io

    from features.rules import DEFAULT_RULES_PATH
    from scoring.trusted import skops_trusted_types

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    skops_trusted_types(model)  # refuses a model that could not be loaded back
    skops.io.dump(model, folder / MODEL_FILE)
    card = card.replace(sha256=sha256_of(folder / MODEL_FILE), model_file=MODEL_FILE)
    (folder / CARD_FILE).write_text(json.dumps(card.to_dict(), indent=2, default=str))
    shutil.copyfile(rules_path or DEFAULT_RULES_PATH, folder / RULES_FILE)
    return folder


def load_model_folder(folder: str | Path) -> tuple[Any, ModelCard]:
    """(pipeline, card) of a data folder ``write_model_folder`` wrote.

    Raises:
        StoreError: no card, a model file that is not the card's (checksum), or a skops file
            naming a type outside ``scoring.trusted``.
    """
    from scoring.bundle import load_skops

    folder = Path(folder).resolve()
    card = read_card(folder)
    model_path = inside(folder, card.model_file or MODEL_FILE, "the card's model_file")
    if not model_path.exists():
        raise StoreError(f"{model_path}: model file missing")
    if card.sha256 and sha256_of(model_path) != card.sha256:
        raise StoreError(f"{model_path}: its checksum is not the card's; refusing to load")
    return load_skops(model_path), card
