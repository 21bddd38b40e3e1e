"""What an attacker with write access to the model folder plants: files whose loading would run
code (here: create a marker file), for the bundle security tests."""

from __future__ import annotations

import pathlib
from pathlib import Path


class Planted:
    """An object whose rebuilding (skops calls ``__setstate__``) creates a file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __getstate__(self) -> dict[str, str]:
        return {"marker": self.marker}

    def __setstate__(self, state: dict[str, str]) -> None:
        Path(state["marker"]).touch()  # stands for os.system(...)
        self.marker = state["marker"]


class PlantedPickle:
    """A pickle whose loading creates a file (``__reduce__`` calls ``Path.touch``)."""

    def __init__(self, marker: Path) -> None:
        self.marker = Path(marker)

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


PLANTED_TYPE = f"{Planted.__module__}.Planted"


def planted_skops(path: Path, marker: Path) -> None:
    """Write a skops file holding a ``Planted`` object."""
    import skops.io

    skops.io.dump({"model": Planted(marker)}, path)


def planted_pickle(path: Path, marker: Path) -> None:
    """Write a pickle (joblib's format) that touches ``marker`` when loaded."""
    import joblib

    joblib.dump(PlantedPickle(marker), path)
