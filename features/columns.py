"""Columns as plain numpy arrays: the form every feature family computes on.

Each family has one core function ``Columns -> Columns`` (a dict of equally long 1-D arrays) and
a thin DataFrame wrapper around it. Training calls the wrappers on hundreds of thousands of leads;
the service calls the cores on one lead, where a DataFrame's fixed cost (tens of microseconds per
operation) would dominate. Both run the same code, so there is one source of truth per feature.

Text columns are object arrays: ``str`` values, missing as ``None`` or NaN. Numbers are float64,
missing as NaN.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

Columns = Mapping[str, np.ndarray]


def from_frame(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """A DataFrame's columns as numpy arrays (text as object arrays)."""
    return {str(name): frame[name].to_numpy() for name in frame.columns}


def missing(values: np.ndarray) -> np.ndarray:
    """True where a value is missing (None, NaN, NaT)."""
    return np.asarray(pd.isna(values), dtype=bool)


def get(cols: Columns, name: str, n: int) -> np.ndarray:
    """Column ``name``, or all-missing when the table does not have it."""
    return cols[name] if name in cols else np.full(n, np.nan)


def floats(values: np.ndarray) -> np.ndarray:
    """As float64; text that is not a number is missing (like
    ``pd.to_numeric(errors="coerce")``)."""
    values = np.asarray(values)
    if values.dtype.kind in "fiub":
        return values.astype("float64")
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan)


def text(values: np.ndarray, how: str = "") -> np.ndarray:
    """As text, trimmed; ``how`` "lower" or "upper" also changes case. Missing stays None."""
    out = np.empty(len(values), dtype=object)
    gone = missing(values)
    for i, (value, is_missing) in enumerate(zip(values.tolist(), gone.tolist(), strict=True)):
        if is_missing:
            out[i] = None
            continue
        value = str(value).strip()
        out[i] = value.lower() if how == "lower" else value.upper() if how == "upper" else value
    return out


def isin(values: np.ndarray, allowed: Collection[Any]) -> np.ndarray:
    """True where the value is one of ``allowed`` (missing never is)."""
    allowed = set(allowed)
    return np.fromiter((v in allowed for v in values.tolist()), dtype=bool, count=len(values))


def to_frame(cols: Columns, index: pd.Index, names: Collection[str],
             text_columns: Collection[str]) -> pd.DataFrame:
    """A DataFrame of ``names`` in order, text columns as pandas ``str`` dtype."""
    frame = pd.DataFrame({name: cols[name] for name in names}, index=index)
    convert = {name: "str" for name in names if name in text_columns}
    return frame.astype(convert) if convert else frame
