"""The compact fingerprint of a lead's model inputs that the prediction log keeps.

One character per input of the model's reference profile (``scoring.profile``), in the profile's
order: the bin the value falls in, as a base-36 digit. It is all drift needs (bin counts per
month), it is a few dozen bytes per lead, and it holds no value of the lead itself, let alone
contact data. It only means something with the profile of the model version that scored the
lead: the log keeps the version beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from scoring.profile import OTHER, ReferenceProfile

DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_CODES = np.frombuffer(DIGITS.encode("ascii"), dtype=np.uint8)


def fingerprints(profile: ReferenceProfile, columns: Mapping[str, Any]) -> list[str]:
    """One fingerprint per lead of ``columns`` (feature name -> values, one per lead).

    An input of the profile missing from ``columns`` counts as missing for every lead; the bins
    are ``ColumnProfile.bin_index``'s, the monitor's own.
    """
    if not profile.features:
        return []
    n = len(next(iter(columns.values()))) if columns else 0
    codes = np.empty((n, len(profile.features)), dtype=np.uint8)
    for j, column in enumerate(profile.features):
        if column.n_bins > len(DIGITS):
            raise ValueError(f"{column.name}: {column.n_bins} bins do not fit one digit")
        values = columns.get(column.name)
        codes[:, j] = (column.bin_index(values) if values is not None
                       else np.full(n, column.n_bins - 1))
    return [row.tobytes().decode("ascii") for row in _CODES[codes]]


def bin_counts(profile: ReferenceProfile, prints: Sequence[str | None]) -> dict[str, np.ndarray]:
    """Per input of ``profile``, the counts per bin over the leads of ``prints`` (fingerprints
    of that profile; None or a fingerprint of another length is skipped)."""
    k = len(profile.features)
    usable = [p for p in prints if isinstance(p, str) and len(p) == k]
    if not usable:
        return {c.name: np.zeros(c.n_bins, dtype=int) for c in profile.features}
    table = np.frombuffer("".join(usable).encode("ascii"), dtype=np.uint8).reshape(-1, k)
    lookup = np.full(256, 255, dtype=np.uint8)
    lookup[_CODES] = np.arange(len(DIGITS), dtype=np.uint8)
    index = lookup[table]
    return {c.name: np.bincount(index[:, j], minlength=c.n_bins)[:c.n_bins]
            for j, c in enumerate(profile.features)}


def representatives(profile: ReferenceProfile, prints: Sequence[str | None]) -> pd.DataFrame:
    """The model inputs of logged leads as one value per bin: any value of a bin bins the same,
    so ``monitoring`` measures drift on these exactly as on the leads' own values.

    Numbers: the bin's upper edge (the last bin: above the last edge); categories: the category,
    ``"(other)"``; missing: missing. A fingerprint of another length gives a row of missing
    values.
    """
    k = len(profile.features)
    rows = [p if isinstance(p, str) and len(p) == k else None for p in prints]
    lookup = {c: i for i, c in enumerate(DIGITS)}
    columns: dict[str, list[Any]] = {}
    for j, column in enumerate(profile.features):
        if column.kind == "categorical":
            values: list[Any] = [*column.categories, OTHER]
        else:
            top = (column.edges[-1] + 1.0) if column.edges else 0.0
            values = [*column.edges, top]
        columns[column.name] = [None if r is None or lookup[r[j]] >= len(values)
                                else values[lookup[r[j]]] for r in rows]
    frame = pd.DataFrame(columns)
    for column in profile.features:
        if column.kind == "numeric":
            frame[column.name] = pd.to_numeric(frame[column.name], errors="coerce")
    return frame
