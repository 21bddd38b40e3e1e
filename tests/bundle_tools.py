"""Test helpers for bundles: sign a card changed on purpose again, with the session's key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scoring.bundle import CARD_FILE, MANIFEST_FILE
from scoring.signing import key_from_env, manifest


def rewrite_card(folder: Path, card: dict[str, Any], key: bytes | None = None) -> None:
    """Write ``card`` as the bundle's card and sign it (what a training holding the key does)."""
    folder = Path(folder).resolve()
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2))
    signing_key = key if key is not None else key_from_env()
    assert signing_key is not None
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest(signing_key, card["sha256"], card)))
