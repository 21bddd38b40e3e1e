"""The model key and the signed manifest of a bundle.

A bundle's ``manifest.json`` holds an HMAC-SHA256, keyed by a secret that is not in the model
folder, over the model file's sha256 and the card (canonical JSON). Whoever can write the folder
but not read the key cannot change the model or the card without the load refusing them.

The key (``resolve_key``, one rule for training and serving alike):

1. ``LEADCONV_MODEL_KEY`` when set (any text; from the environment or ``.env``);
2. else the key file ``LEADCONV_MODEL_KEY_FILE``, by default ``$XDG_CONFIG_HOME/leadconv/model.key``
   (``~/.config/leadconv/model.key`` without ``XDG_CONFIG_HOME``);
3. a training run creates that file (random, mode 0600) when it does not exist; a reader never does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

KEY_VARIABLE = "LEADCONV_MODEL_KEY"
KEY_FILE_VARIABLE = "LEADCONV_MODEL_KEY_FILE"
MANIFEST_FORMAT = 1
_DOMAIN = b"leadconv-bundle-v1\n"


class ModelKeyError(RuntimeError):
    """The model key cannot be read or created."""


class KeyVariables(BaseSettings):
    """``LEADCONV_MODEL_KEY`` and ``LEADCONV_MODEL_KEY_FILE`` from the environment or ``.env``
    (for processes without settings of their own: training, ``leadconv score``)."""

    model_config = SettingsConfigDict(env_prefix="LEADCONV_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore", frozen=True)

    model_key: str | None = Field(default=None, repr=False)
    model_key_file: Path | None = None


def default_key_file() -> Path:
    """``$XDG_CONFIG_HOME/leadconv/model.key``, else ``~/.config/leadconv/model.key``."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "leadconv" / "model.key"


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another run made it first: use theirs
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    logger.warning("created the model key %s (mode 0600): the service needs the same key to "
                   "load the models this training signs", path)


def resolve_key(value: str | None = None, key_file: Path | None = None, *,
                create: bool = False) -> bytes | None:
    """The key that signs and verifies bundles, or None when there is none.

    Args:
        value: the key itself (``LEADCONV_MODEL_KEY``); wins when not blank.
        key_file: where the key file is (``LEADCONV_MODEL_KEY_FILE``); default
            ``default_key_file()``.
        create: make the key file when it does not exist (training does; readers never).
    """
    if value is not None and value.strip():
        return value.strip().encode()
    path = Path(key_file) if key_file else default_key_file()
    if not path.exists() and create:
        _create_key_file(path)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ModelKeyError(f"model key file {path}: cannot be read: {exc.strerror}") from exc
    if not text:
        raise ModelKeyError(f"model key file {path} is empty")
    if path.stat().st_mode & 0o077:
        logger.warning("model key file %s can be read by other users: chmod 600 it", path)
    return text.encode()


def key_from_env(*, create: bool = False) -> bytes | None:
    """``resolve_key`` with ``LEADCONV_MODEL_KEY``/``LEADCONV_MODEL_KEY_FILE`` of the process."""
    variables = KeyVariables()
    return resolve_key(variables.model_key, variables.model_key_file, create=create)


def canonical(card: dict[str, Any]) -> bytes:
    """The card as the bytes the signature covers (sorted keys, no spaces, UTF-8)."""
    return json.dumps(card, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def signature(key: bytes, model_sha256: str, card: dict[str, Any]) -> str:
    """HMAC-SHA256 (hex) over the model file's sha256 and the canonical card."""
    message = _DOMAIN + model_sha256.encode() + b"\n" + canonical(card)
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def manifest(key: bytes, model_sha256: str, card: dict[str, Any]) -> dict[str, Any]:
    """The content of ``manifest.json``."""
    return {"format": MANIFEST_FORMAT, "model_sha256": model_sha256,
            "hmac_sha256": signature(key, model_sha256, card)}


def verified(key: bytes, found: dict[str, Any], card: dict[str, Any]) -> bool:
    """Whether manifest ``found`` signs ``card`` and its ``model_sha256`` under ``key``."""
    claimed = found.get("hmac_sha256")
    sha = found.get("model_sha256")
    if not isinstance(claimed, str) or not isinstance(sha, str):
        return False
    return hmac.compare_digest(claimed, signature(key, sha, card))
