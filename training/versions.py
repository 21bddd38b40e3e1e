"""The registered versions of the model, by hand: list them, promote one, roll the champion back.

``leadconv models list|promote|rollback`` call these; promotion itself is
``training.compare.promote`` (registry alias, then the local bundle with its card and report).
A rollback promotes the version that was champion before the current one (the registry records
when each version became champion, ``champion_since``).
"""

from __future__ import annotations

from pathlib import Path

from training import track
from training.compare import promote
from training.track import VersionInfo

KEY_METRICS = ("test_auc", "test_ece", "test_log_loss")


class NoSuchVersion(LookupError):
    """The version asked for is not registered, or there is nothing to roll back to."""


def versions(workdir: str | Path = ".", model_name: str = "lead-conversion") -> list[VersionInfo]:
    """Every registered version, newest first."""
    return track.list_versions(track.resolve_tracking(workdir), model_name)


def promote_version(version: str, *, workdir: str | Path = ".",
                    models_dir: str | Path = "models",
                    model_name: str = "lead-conversion") -> Path:
    """Make a registered ``version`` the champion (registry and local bundle)."""
    known = {v.version for v in versions(workdir, model_name)}
    if str(version) not in known:
        raise NoSuchVersion(f"{model_name} has no version {version!r} (registered: "
                            f"{', '.join(sorted(known, key=int)) or 'none'})")
    return promote(version, workdir=workdir, models_dir=models_dir, model_name=model_name)


def previous_champion(found: list[VersionInfo]) -> VersionInfo | None:
    """The version that was champion before the current one (by ``champion_since``)."""
    current = next((v for v in found if "champion" in v.aliases), None)
    earlier = [v for v in found if v.champion_since and v is not current]
    if current is not None and current.champion_since:
        earlier = [v for v in earlier if str(v.champion_since) < str(current.champion_since)]
    return max(earlier, key=lambda v: str(v.champion_since), default=None)


def rollback(*, workdir: str | Path = ".", models_dir: str | Path = "models",
             model_name: str = "lead-conversion") -> tuple[str, Path]:
    """Promote the previous champion again; returns (its version, the bundle folder)."""
    target = previous_champion(versions(workdir, model_name))
    if target is None:
        raise NoSuchVersion(f"{model_name}: no earlier champion to roll back to")
    return target.version, promote(target.version, workdir=workdir, models_dir=models_dir,
                                   model_name=model_name)
