"""The local model store (``models/``): the champion as a skops file, a JSON card and a signed
manifest, swapped in whole.

Layout of a bundle folder (``models/champion``, a link to a folder of ``models/versions/``, see
``scoring.swap``)::

    model.skops    the fitted, calibrated scikit-learn pipeline, saved with skops (no pickle)
    model.json     version, alias, trained_at, metrics, features (name, label, family, kind),
                   data fingerprint, ``model_file`` and its ``sha256``
    manifest.json  HMAC-SHA256 over the model's sha256 and the card, keyed by the model key
                   (``scoring.signing``), which is never in the folder
    report.html    the marketers' report of that version (self-contained; ``report.page``)
    profile.json   the reference profile of its training data (``scoring.profile``), which
                   ``leadconv monitor`` compares new leads with

Training writes it (``export_bundle``); the service and ``leadconv score`` read it
(``load_bundle``), which refuses, before anything is built from the file: a path of the card
leaving the folder, a manifest that does not sign the card and the model's checksum, a model file
whose checksum differs, a model naming a type outside ``scoring.trusted.TRUSTED_TYPES``, and a
bundle of the older pickle layout (``model.joblib``): it is never unpickled.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from scoring import signing, swap
from scoring.card import CardError, ModelCard
from scoring.profile import PROFILE_FILE
from scoring.trusted import TRUSTED_TYPES, skops_trusted_types, unexpected_types

MODEL_FILE = "model.skops"
LEGACY_MODEL_FILE = "model.joblib"
CARD_FILE = "model.json"
MANIFEST_FILE = "manifest.json"
# The same card and report, as artifacts of the MLflow run that logged the model:
CARD_ARTIFACT = CARD_FILE
REPORT_ARTIFACT = "report/report.html"
REPORT_FILE = "report.html"


class StoreError(RuntimeError):
    """The bundle is missing, unreadable, unsigned, tampered with, or holds untrusted types."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def inside(folder: Path, name: str | None, what: str) -> Path:
    """``folder / name``, refused unless it stays inside ``folder`` once links are resolved.

    Raises:
        StoreError: ``name`` is absolute, has ``..`` or another folder in it, or is a link
            leading out of ``folder``.
    """
    if not name or not isinstance(name, str):
        raise StoreError(f"{folder}: {what} is not a file name: {name!r}")
    path = Path(name)
    if path.is_absolute() or path.name != name or name in (".", ".."):
        raise StoreError(f"{folder}: {what} {name!r} is not a plain file name of the bundle "
                         f"folder; refusing to load")
    root = folder.resolve()
    resolved = (root / name).resolve()
    if resolved.parent != root:
        raise StoreError(f"{folder}: {what} {name!r} leads out of the bundle folder (to "
                         f"{resolved}); refusing to load")
    return resolved


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def export_bundle(model: Any, card: ModelCard, folder: str | Path, *,
                  report_html: str | None = None, key: bytes | None = None,
                  profile: dict[str, Any] | None = None) -> Path:
    """Write model, card, manifest (and report) into a new version folder and swap ``folder``
    over to it atomically (``scoring.swap``); returns ``folder``.

    Args:
        model: the fitted pipeline; only types of ``scoring.trusted`` may be in it.
        card: its card (``sha256`` and ``model_file`` are filled in here).
        folder: the bundle link readers open (``models/champion``).
        report_html: the report of this version; None: the bundle has none.
        key: the model key; None: ``signing.key_from_env(create=True)``.
        profile: the reference profile of its training data (``scoring.profile``), written
            as ``profile.json``; None: the bundle has none.
    """
    import skops.io

    folder = Path(folder)
    key = key if key is not None else signing.key_from_env(create=True)
    if key is None:
        raise StoreError("no model key to sign the bundle with")
    try:
        skops_trusted_types(model)
    except ValueError as exc:
        raise StoreError(str(exc)) from exc
    staged = swap.stage(folder)
    skops.io.dump(model, staged / MODEL_FILE)
    sha = sha256_of(staged / MODEL_FILE)
    card_dict = card.replace(sha256=sha, model_file=MODEL_FILE).to_dict()
    card_dict = json.loads(json.dumps(card_dict, default=str))  # what a reader parses
    _write(staged / CARD_FILE, json.dumps(card_dict, indent=2).encode())
    _write(staged / MANIFEST_FILE, json.dumps(signing.manifest(key, sha, card_dict),
                                              indent=2).encode())
    if report_html is not None:
        _write(staged / REPORT_FILE, report_html.encode("utf-8"))
    if profile is not None:
        _write(staged / PROFILE_FILE, json.dumps(profile, indent=1).encode())
    swap.swap_in(staged, folder, f"v{card.version}")
    return folder


def write_report(html: str, folder: str | Path) -> Path:
    """Write ``report.html`` into a bundle folder (its current version) atomically; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{REPORT_FILE}.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, folder / REPORT_FILE)
    return folder / REPORT_FILE


def _card_dict(folder: Path) -> dict[str, Any]:
    path = folder / CARD_FILE
    if not path.exists():
        raise StoreError(f"{path}: no model card; run `leadconv train` first")
    inside(folder, CARD_FILE, "the card")
    try:
        found = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(found, dict):
        raise StoreError(f"{path}: not a model card (a JSON object)")
    return found


def _typed(folder: Path, found: dict[str, Any]) -> ModelCard:
    try:
        return ModelCard.from_dict(found)
    except CardError as exc:
        raise StoreError(f"{folder / CARD_FILE}: {exc}") from exc


def read_card(folder: str | Path) -> ModelCard:
    """The card of a bundle, *unverified* (to describe it; ``load_bundle`` verifies)."""
    folder = Path(folder)
    return _typed(folder, _card_dict(folder))


def _refuse_legacy(folder: Path, found: dict[str, Any]) -> None:
    legacy_file = (folder / LEGACY_MODEL_FILE).exists()
    if found.get("model_file") == LEGACY_MODEL_FILE or (
            legacy_file and not (folder / MANIFEST_FILE).exists()):
        raise StoreError(
            f"{folder}: a bundle of the older layout ({LEGACY_MODEL_FILE}, a pickle, which can "
            f"run code when loaded): refusing to load it. Retrain (`leadconv train --data DIR "
            f"--promote`) or promote a registered version again (`leadconv models promote "
            f"VERSION`) to write a signed skops bundle")


def _verify(folder: Path, found: dict[str, Any], key: bytes | None) -> str:
    """Check the manifest signs the card; return the model sha256 it vouches for."""
    path = inside(folder, MANIFEST_FILE, "the manifest")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise StoreError(f"{path}: no readable signed manifest ({type(exc).__name__}); "
                         f"refusing to load an unsigned bundle") from exc
    if key is None:
        raise StoreError(
            f"{folder}: the bundle is signed but there is no model key: set "
            f"{signing.KEY_VARIABLE} or put the key the training used in "
            f"{signing.default_key_file()} (or {signing.KEY_FILE_VARIABLE})")
    if not isinstance(manifest, dict) or not signing.verified(key, manifest, found):
        raise StoreError(
            f"{path}: the signature does not match the card and model (changed by someone "
            f"without the model key, or signed with another key); refusing to load")
    return str(manifest["model_sha256"])


def _checked(folder: Path, key: bytes | None) -> tuple[ModelCard, Path, str]:
    """The verified card, the confined model path and the sha256 the manifest signs."""
    found = _card_dict(folder)
    _refuse_legacy(folder, found)
    model_path = inside(folder, found.get("model_file"), "the card's model_file")
    if key is None:
        try:
            key = signing.key_from_env()
        except signing.ModelKeyError as exc:
            raise StoreError(str(exc)) from exc
    signed_sha = _verify(folder, found, key)
    return _typed(folder, found), model_path, signed_sha


def load_card(folder: str | Path, key: bytes | None = None) -> ModelCard:
    """The card of a bundle after its signature is verified (the model file is not read)."""
    card, _, _ = _checked(Path(folder).resolve(), key)
    return card


def load_bundle(folder: str | Path, key: bytes | None = None) -> tuple[Any, ModelCard]:
    """Return (model, card) of a verified bundle; ``key``: None reads ``signing.key_from_env``.

    Raises:
        StoreError: for any of the refusals of this module's docstring; nothing of the model
            file is built before all checks passed.
    """

    folder = Path(folder).resolve()  # one version folder for every read, even mid-swap
    card, model_path, signed_sha = _checked(folder, key)
    if not model_path.exists():
        raise StoreError(f"{model_path}: model file missing")
    actual = sha256_of(model_path)
    if actual != signed_sha or actual != card.sha256:
        raise StoreError(f"{model_path}: checksum mismatch (signed {signed_sha}, file "
                         f"{actual}); refusing to load")
    return load_skops(model_path), card


def load_skops(model_path: Path) -> Any:
    """The model of a skops file, built only when every type it names is in the allow-list of
    ``scoring.trusted`` (kept in code, never next to the file); never unpickled.

    Raises:
        StoreError: not a skops file, a type outside the allow-list, or a corrupt file.
    """
    import skops.io

    try:
        types = skops.io.get_untrusted_types(file=model_path)
    except Exception as exc:  # not a skops file at all
        raise StoreError(f"{model_path}: not a skops model file: {exc}") from exc
    foreign = unexpected_types(types)
    if foreign:
        raise StoreError(f"{model_path}: holds types outside the allow-list of scoring.trusted: "
                         f"{foreign}; refusing to load")
    try:
        return skops.io.load(model_path, trusted=sorted(TRUSTED_TYPES))
    except Exception as exc:  # a corrupt file can raise almost anything
        raise StoreError(f"{model_path}: cannot be loaded: {exc}") from exc
