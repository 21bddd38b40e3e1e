"""Load the champion, wherever it lives, into a ready scorer.

``load_champion`` follows ``scoring.registry.choose_source``: the MLflow registry's ``@champion``
when one is configured and can deliver, else the local bundle ``<models_dir>/champion``
(signed and verified, ``scoring.bundle``). A registry version whose run has no card is refused
(``MissingCard``): never served without its reasons, nor replaced by the local bundle.
The scorer for the card's shape is built once here, and it proves its fast path against
scikit-learn before it is returned (``scoring.parity``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from features.rules import Rules
from scoring.bundle import CARD_FILE, MANIFEST_FILE, MODEL_FILE, StoreError, load_bundle
from scoring.card import ModelCard
from scoring.event import Scorer
from scoring.flat import FlatScorer
from scoring.profile import ProfileError, ReferenceProfile, read_profile
from scoring.registry import (
    Location,
    MissingCard,
    Source,
    choose_source,
    load_model,
    registry_card,
)

logger = logging.getLogger(__name__)

AnyScorer = Scorer | FlatScorer


class NoChampion(StoreError):
    """There is no champion yet (no card in the local store, no usable registry alias)."""


@dataclass(frozen=True)
class Loaded:
    """A fully loaded model and where it came from."""

    scorer: AnyScorer
    source: str
    fingerprint: str | None
    loaded_at: datetime
    profile: ReferenceProfile | None = None  # of its training data: the log's fingerprints

    @property
    def version(self) -> str:
        return self.scorer.version

    @property
    def card(self) -> ModelCard:
        return self.scorer.card


def bundle_fingerprint(folder: Path) -> str | None:
    """What identifies the bundle on disk: card and manifest bytes + model file size/mtime;
    None if no card."""
    card, model = folder / CARD_FILE, folder / MODEL_FILE
    try:
        digest = hashlib.sha256(card.read_bytes())
    except OSError:
        return None
    try:
        digest.update((folder / MANIFEST_FILE).read_bytes())
    except OSError:
        digest.update(b"no manifest")
    try:
        stat = model.stat()
        digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    except OSError:
        digest.update(b"no model file")
    return digest.hexdigest()


def champion_profile(folder: Path, card: ModelCard) -> ReferenceProfile | None:
    """The reference profile saved with the bundle in ``folder`` when it belongs to ``card``'s
    training data; None otherwise (the prediction log then keeps no input fingerprints)."""
    try:
        return read_profile(folder, card.data_fingerprint.get("sha256"))
    except ProfileError as exc:
        logger.info("no input fingerprints in the prediction log for model %s: %s",
                    card.version, exc)
        return None


def make_scorer(model: Any, card: ModelCard, rules: Rules) -> AnyScorer:
    """The scorer for the card's shape: ``Scorer`` (event shape) or ``FlatScorer``."""
    return FlatScorer(model, card, rules) if card.is_flat else Scorer(model, card, rules)


def load_local(location: Location, rules: Rules) -> Loaded:
    """The champion bundle of the local store (raises StoreError if missing or corrupt)."""
    folder = location.champion_dir
    fingerprint = bundle_fingerprint(folder)
    model, card = load_bundle(folder, location.bundle_key())
    return Loaded(make_scorer(model, card, rules), str(folder), fingerprint, datetime.now(UTC),
                  champion_profile(folder, card))


def load_registry(location: Location, rules: Rules, source: Source) -> Loaded:
    """The version behind ``@champion`` in the MLflow registry (``source`` from choose_source)."""
    fingerprint = bundle_fingerprint(location.champion_dir)
    card = registry_card(source, location)  # first: a version without a card is refused
    model = load_model(location, str(source.version.version))
    return Loaded(make_scorer(model, card, rules), f"models:/{location.model_name}@champion",
                  fingerprint, datetime.now(UTC), champion_profile(location.champion_dir, card))


def load_champion(location: Location, rules: Rules) -> Loaded:
    """Load the champion from where ``scoring.registry.choose_source`` says."""
    source = choose_source(location)
    if source.kind == "registry":
        try:
            return load_registry(location, rules, source)
        except MissingCard:
            raise  # a champion without its card is not served, nor replaced by another model
        except Exception as exc:  # a broken artifact, ...: the local store still may serve
            logger.warning("registry %s gave no champion (%s: %s); using %s",
                           location.registry_uri, type(exc).__name__, exc,
                           location.champion_dir)
    if not (location.champion_dir / CARD_FILE).exists():
        raise NoChampion(f"no champion model found in {location.champion_dir}: run "
                         f"`leadconv train --data DIR` first")
    return load_local(location, rules)
