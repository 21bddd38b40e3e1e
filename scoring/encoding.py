"""The tree pipeline's encoding as lookup tables, built once at load.

The HistGradientBoosting pipeline encodes in two fitted steps: our ``ColumnTransformer``
(numbers passed through, categories to ordinal codes with rare values pooled) and the model's own
internal preprocessor (categorical columns first, codes renumbered). Per request, running both on
a one-row DataFrame costs milliseconds. Their combined effect is a fixed function of each column:
a number stays a number; a category becomes one code, or missing (NaN) when unknown. So at load we
run both steps once on every known category and keep the result as a dict per column; encoding a
lead is then a dict lookup per category. Tests check the result equals the two fitted steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder

from scoring.sklearn_parts import hgb_preprocessor


@dataclass(frozen=True)
class TreeEncoding:
    """Columns of the model's internal matrix: numeric sources and category code tables."""

    feature_names: list[str]  # input features, in the pipeline's input order
    column_of: dict[str, int]  # input feature -> column of the internal matrix
    numeric: list[tuple[int, str]]  # (internal column, feature)
    categorical: list[tuple[int, str, dict[str, float]]]  # (internal column, feature, codes)

    @classmethod
    def from_pipeline(cls, encode: Any, model: HistGradientBoostingClassifier,
                      example: pd.DataFrame) -> TreeEncoding:
        """Tables for ``encode`` (the fitted ColumnTransformer) followed by ``model``'s own step.

        ``example``: one row of model inputs (any valid lead), used to fill the other columns.
        """
        names = list(example.columns)
        column_transformer = encode[-1] if hasattr(encode, "steps") else encode
        ordinal = [(t, list(cols)) for _, t, cols in column_transformer.transformers_
                   if isinstance(t, OrdinalEncoder)]
        categorical_names = [c for _, cols in ordinal for c in cols]
        values: dict[str, list[Any]] = {}
        for encoder, cols in ordinal:
            for i, name in enumerate(cols):
                values[name] = [str(v) for v in encoder.categories_[i] if not pd.isna(v)]
        rows = max([len(v) for v in values.values()] + [1])
        grid = pd.concat([example] * rows, ignore_index=True)
        for name, known in values.items():
            grid[name] = pd.Series((known + known[:1] * rows)[:rows] if known else [None] * rows,
                                   dtype="str")
        internal = internal_matrix(encode, model, grid)

        column_of = locate_columns(encode, model, names)
        numeric = [(column_of[n], n) for n in names if n not in values]
        categorical = []
        for name in categorical_names:
            col = column_of[name]
            table = {v: float(internal[k, col]) for k, v in enumerate(values[name])}
            categorical.append((col, name, table))
        return cls(names, column_of, numeric, categorical)

    @property
    def width(self) -> int:
        return len(self.column_of)

    def transform(self, x: Mapping[str, Any] | pd.DataFrame) -> np.ndarray:
        """The internal matrix for input columns ``x`` (a DataFrame or dict of 1-D arrays)."""
        first = x[self.feature_names[0]]
        out = np.empty((len(first), self.width))
        for col, name in self.numeric:
            out[:, col] = np.asarray(x[name], dtype=float)
        nan = float("nan")
        for col, name, table in self.categorical:
            out[:, col] = [table.get(v, nan) if isinstance(v, str) else nan for v in x[name]]
        return out


def internal_matrix(encode: Any, model: HistGradientBoostingClassifier,
                    x: pd.DataFrame) -> np.ndarray:
    """What ``model`` sees when the pipeline scores ``x``: both fitted encoding steps."""
    z = np.asarray(encode.transform(x), dtype=float)
    step = hgb_preprocessor(model)
    return np.asarray(step.transform(z), dtype=float) if step is not None else z


def locate_columns(encode: Any, model: HistGradientBoostingClassifier,
                   names: list[str]) -> dict[str, int]:
    """Internal column of each input feature, found from the fitted steps' own bookkeeping."""
    column_transformer = encode[-1] if hasattr(encode, "steps") else encode
    order: list[str] = []
    for name, _, cols in column_transformer.transformers_:
        if name != "remainder":
            order.extend(cols)
    step = hgb_preprocessor(model)
    if step is None:
        return {n: order.index(n) for n in names}
    out: dict[str, int] = {}
    for name, _, mask in step.transformers_:
        if name == "remainder":
            continue
        where = np.flatnonzero(np.asarray(mask)) if np.asarray(mask).dtype == bool else mask
        start = step.output_indices_[name].start
        for k, j in enumerate(where):
            out[order[int(j)]] = start + k
    if sorted(out.values()) != list(range(len(names))):
        raise ValueError("cannot map the model's internal columns to its input features")
    return out
