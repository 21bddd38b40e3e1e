"""Replacing a bundle folder whole: versioned folders and an atomically moved link.

``<parent>/<name>`` (e.g. ``models/champion``) is a symbolic link to a folder of
``<parent>/versions/``. A new bundle is written into a staging folder there (``stage``), renamed
to its final name and put in place by replacing the link with ``os.replace`` (``swap_in``):
a reader opening ``champion/`` sees the old bundle or the new one, never a half-written or missing
one. A killed writer leaves at most a staging folder, removed by a later export.

A real folder in place of the link (the older layout, or a copy) is moved into ``versions/`` the
first time: only then is there an instant with no ``champion``, which a reader takes for "no new
model yet".
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

VERSIONS = "versions"
STAGING_PREFIX = ".staging-"
KEEP_VERSIONS = 3  # version folders kept besides the one in use (a rollback by hand)
STALE_STAGING_SECONDS = 3600.0


def versions_dir(target: Path) -> Path:
    """Where the version folders of ``target`` live (``<parent>/versions``)."""
    return target.parent / VERSIONS


def stage(target: Path) -> Path:
    """A new, empty staging folder beside ``target``'s versions (same file system)."""
    folder = versions_dir(target)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder.glob(f"{STAGING_PREFIX}*"))
    _remove_stale(target.parent.glob(f".{target.name}.link-*"))
    staging = folder / f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    return staging


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries to disk (best effort: not every platform can)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def swap_in(staged: Path, target: Path, label: str) -> Path:
    """Give the complete folder ``staged`` its final name and point ``target`` at it atomically.

    Args:
        staged: a folder from ``stage`` whose files are written and flushed.
        target: the link readers open (``models/champion``).
        label: the start of the version folder's name (e.g. ``v7``).

    Returns:
        The version folder ``target`` now points at.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    token = uuid.uuid4().hex[:8]
    final = versions_dir(target) / f"{label}-{stamp}-{token}"
    fsync_dir(staged)
    os.rename(staged, final)
    link = target.parent / f".{target.name}.link-{token}"
    os.symlink(os.path.relpath(final, target.parent), link)
    if target.is_dir() and not target.is_symlink():  # older layout: a real folder
        moved = versions_dir(target) / f"previous-{stamp}-{token}"
        os.rename(target, moved)
        logger.info("moved the bundle folder %s to %s: %s is a link from now on", target, moved,
                    target)
    os.replace(link, target)
    fsync_dir(target.parent)
    _prune(target, final)
    return final


def _remove_stale(paths: Iterable[Path]) -> None:
    """Staging folders and temporary links a killed export left behind (older than an hour:
    not being written)."""
    now = time.time()
    for path in paths:
        try:
            if now - path.lstat().st_mtime <= STALE_STAGING_SECONDS:
                continue
            if path.is_symlink():
                path.unlink()
            else:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def _prune(target: Path, current: Path) -> None:
    """Remove all but the ``KEEP_VERSIONS`` newest version folders besides ``current``."""
    folders = [p for p in versions_dir(target).iterdir()
               if p.is_dir() and not p.is_symlink() and not p.name.startswith(STAGING_PREFIX)
               and p != current]
    folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in folders[KEEP_VERSIONS:]:
        shutil.rmtree(old, ignore_errors=True)
