"""The local bundle cannot run code: a planted model file is refused before anything is built
from it, whatever the card says; paths of the card stay in the folder; pickles are never read."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from scoring.bundle import (
    CARD_FILE,
    LEGACY_MODEL_FILE,
    MANIFEST_FILE,
    MODEL_FILE,
    StoreError,
    load_bundle,
    sha256_of,
)
from scoring.signing import default_key_file, key_from_env, resolve_key
from tests.bundle_tools import rewrite_card
from tests.scoring.planted import PLANTED_TYPE, planted_pickle, planted_skops


@pytest.fixture
def bundle(tmp_path, trained) -> Path:
    """A private copy of the session's trained champion (a link into ``versions/``)."""
    shutil.copytree(trained / "models", tmp_path / "models", symlinks=True)
    return tmp_path / "models" / "champion"


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "PWNED"


def _card(folder: Path) -> dict:
    return json.loads((folder / CARD_FILE).read_text())


def _plant(folder: Path, write, marker: Path, name: str = MODEL_FILE) -> dict:
    """Replace the model file and fix the card's checksum, as a writer without the key can."""
    write(folder / name, marker)
    card = {**_card(folder), "model_file": name, "sha256": sha256_of(folder / name)}
    (folder / CARD_FILE).write_text(json.dumps(card, indent=2))
    return card


def test_the_planted_file_would_run_code_if_it_were_trusted(tmp_path, marker):
    import skops.io

    planted_skops(tmp_path / "evil.skops", marker)
    assert PLANTED_TYPE in skops.io.get_untrusted_types(file=tmp_path / "evil.skops")
    skops.io.load(tmp_path / "evil.skops", trusted=[PLANTED_TYPE])
    assert marker.exists()  # so the tests below show that nothing ran


@pytest.mark.parametrize("write", [planted_skops, planted_pickle], ids=["skops", "pickle"])
def test_a_planted_model_with_a_matching_checksum_is_refused_and_runs_nothing(bundle, marker,
                                                                              write):
    _plant(bundle, write, marker)
    with pytest.raises(StoreError, match="signature does not match.*refusing to load"):
        load_bundle(bundle)
    assert not marker.exists()


def test_a_planted_model_signed_with_the_key_is_still_refused_by_the_allow_list(bundle, marker):
    card = _plant(bundle, planted_skops, marker)
    rewrite_card(bundle, card)  # even with the key (leaked, say), the types come from the code
    with pytest.raises(StoreError) as caught:
        load_bundle(bundle)
    message = str(caught.value)
    assert "outside the allow-list" in message and PLANTED_TYPE in message
    assert str(bundle.resolve() / MODEL_FILE) in message
    assert not marker.exists()


def test_a_signed_pickle_is_not_a_skops_file_and_is_never_unpickled(bundle, marker):
    rewrite_card(bundle, _plant(bundle, planted_pickle, marker))
    with pytest.raises(StoreError, match="not a skops model file"):
        load_bundle(bundle)
    assert not marker.exists()


def test_a_legacy_pickle_bundle_is_refused_with_the_way_out(tmp_path, marker):
    folder = tmp_path / "champion"
    folder.mkdir()
    planted_pickle(folder / LEGACY_MODEL_FILE, marker)
    (folder / CARD_FILE).write_text(json.dumps({
        "version": "3", "model_file": LEGACY_MODEL_FILE,
        "sha256": sha256_of(folder / LEGACY_MODEL_FILE)}))
    with pytest.raises(StoreError, match=r"older layout \(model.joblib, a pickle.*Retrain"):
        load_bundle(folder)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["/etc/passwd", "../../models/champion/model.skops",
                                  "../model.skops", "sub/model.skops", "..", ""])
def test_the_model_file_of_the_card_must_be_a_file_of_the_bundle(bundle, name):
    card = {**_card(bundle), "model_file": name}
    rewrite_card(bundle, card)  # signed: only the path is wrong
    with pytest.raises(StoreError, match="not a plain file name|not a file name"):
        load_bundle(bundle)


def test_a_link_leading_out_of_the_bundle_is_refused(bundle, tmp_path):
    folder = bundle.resolve()
    outside = tmp_path / "elsewhere.skops"
    shutil.copy(folder / MODEL_FILE, outside)
    (folder / MODEL_FILE).unlink()
    os.symlink(outside, folder / MODEL_FILE)
    with pytest.raises(StoreError, match="leads out of the bundle folder"):
        load_bundle(bundle)


def test_an_unsigned_bundle_is_refused(bundle):
    (bundle / MANIFEST_FILE).unlink()
    with pytest.raises(StoreError, match="refusing to load an unsigned bundle"):
        load_bundle(bundle)


def test_without_the_key_the_load_says_where_to_put_it(bundle, tmp_path, monkeypatch):
    monkeypatch.setenv("LEADCONV_MODEL_KEY_FILE", str(tmp_path / "nowhere" / "model.key"))
    with pytest.raises(StoreError, match="signed but there is no model key: set "
                                         "LEADCONV_MODEL_KEY"):
        load_bundle(bundle)


def test_another_key_does_not_verify_and_the_variable_wins_over_the_file(bundle, monkeypatch):
    assert load_bundle(bundle)[1].version  # the session's key file
    monkeypatch.setenv("LEADCONV_MODEL_KEY", "another key")
    assert key_from_env() == b"another key"
    with pytest.raises(StoreError, match="signature does not match"):
        load_bundle(bundle)


def test_training_created_the_key_file_readable_by_its_owner_only(trained, model_key_home):
    path = default_key_file()
    assert path == model_key_home / "leadconv" / "model.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_key() == path.read_text().strip().encode()
    assert len(path.read_text().strip()) == 64


def test_a_reader_never_creates_a_key(tmp_path):
    assert resolve_key(key_file=tmp_path / "model.key") is None
    assert not (tmp_path / "model.key").exists()


def test_training_never_writes_a_model_the_allow_list_would_refuse(bundle, tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    from scoring.bundle import export_bundle
    from scoring.trusted import TRUSTED_TYPES, skops_trusted_types

    model, card = load_bundle(bundle)
    assert set(skops_trusted_types(model)) <= TRUSTED_TYPES
    with pytest.raises(StoreError, match="outside the allow-list.*system"):
        export_bundle(FunctionTransformer(os.system), card, tmp_path / "other" / "champion")
    assert not (tmp_path / "other" / "champion").exists()
