"""The drawing and writing helpers the flat generators share (``demodata.vendor`` and
``demodata.contacts``): picklists of ``value -> (share, logit effect)``, values drawn by outcome,
and the three files of a flat demo. The stories stay each generator's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def pick(rng: np.random.Generator, table: dict, n: int) -> np.ndarray:
    """``n`` values of ``table`` (value -> (share, effect)) drawn by their shares."""
    values = np.array(list(table), dtype=object)
    shares = np.array([v[0] for v in table.values()], dtype=float)
    return values[rng.choice(len(values), n, p=shares / shares.sum())]


def effect(values: np.ndarray, table: dict) -> np.ndarray:
    """The logit effect of each value (``table``: value -> (share, effect))."""
    return np.array([table[v][1] for v in values], dtype=float)


def draw_by_outcome(rng: np.random.Generator, table: dict, converted: np.ndarray) -> np.ndarray:
    """A value per lead from ``table`` (value -> (share if converted, share if not))."""
    values = np.array(list(table), dtype=object)
    out = np.empty(len(converted), dtype=object)
    for outcome in (True, False):
        mask = converted == outcome
        shares = np.array([v[0 if outcome else 1] for v in table.values()], dtype=float)
        out[mask] = values[rng.choice(len(values), int(mask.sum()), p=shares / shares.sum())]
    return out


def write_flat_demo_files(out_dir: str | Path, export: pd.DataFrame, truth: pd.DataFrame,
                          readme: str) -> Path:
    """Write ``export.csv``, ``truth.csv`` and ``README.md`` into ``out_dir`` (made if
    missing); returns the folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    export.to_csv(out / "export.csv", index=False, lineterminator="\n")
    truth.to_csv(out / "truth.csv", index=False, lineterminator="\n")
    (out / "README.md").write_text(readme, encoding="utf-8")
    return out


__all__ = ["pick", "effect", "draw_by_outcome", "write_flat_demo_files"]
