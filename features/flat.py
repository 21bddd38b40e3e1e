"""``flat_features``: the ONE function that turns a flat export into model inputs.

Training and ``leadconv score`` both call it with the same :class:`features.roles.Mapping` (saved
in the model card), so scoring reproduces training exactly:

* placeholders ("Select", "N/A", "-", ...) become missing;
* ``numeric`` columns are parsed as numbers (``$40,000``, ``12%``, decimal commas when the
  mapping says so); unparsable text becomes missing;
* ``boolean`` columns: yes/no, true/false, y/n, 1/0 -> 1.0/0.0, anything else missing;
* ``categorical`` columns stay text; with learned vocabularies (``learn_vocabularies``, on the
  training rows) a value outside the vocabulary — rare in training, beyond the most frequent
  ``max_categories``, or never seen — becomes ``OTHER``. So a column with hundreds of landing-page
  ids trains and scores, and HistGradientBoosting never sees more than 255 categories;
* ``text`` (free text), ``timestamp``, ``id``, ``label`` and ``ignore`` columns are not features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from features.contact import mask_value
from features.contract import ContractError
from features.dates import ParsedDates, parse_dates
from features.roles import Mapping, blank_placeholders, parse_booleans, parse_numbers

OTHER = "(other)"


def _categories(frame: pd.DataFrame, name: str, mapping: Mapping) -> pd.Series:
    return blank_placeholders(frame[name], mapping.placeholders)


def learn_vocabularies(frame: pd.DataFrame, mapping: Mapping) -> Mapping:
    """A copy of ``mapping`` with each categorical column's vocabulary learned from ``frame``
    (the training rows): values seen at least ``min_category_count`` times, at most the
    ``max_categories`` most frequent (never above 254, leaving room for ``OTHER``)."""
    limit = min(mapping.max_categories, 254)
    vocabularies = {}
    for name in mapping.categorical:
        counts = _categories(frame, name, mapping).value_counts(sort=False)
        counts = counts[counts >= mapping.min_category_count]
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:limit]
        vocabularies[name] = sorted(str(v) for v, _ in ordered)
    out = mapping.with_roles()
    out.vocabularies = vocabularies
    return out


def flat_features(frame: pd.DataFrame, mapping: Mapping) -> pd.DataFrame:
    """One row of model inputs per row of ``frame`` (not modified), indexed like it.

    Args:
        frame: the export as read by ``features.flat_read.read_flat`` (text columns). Extra
            columns are ignored; a missing feature column is an error naming it.
        mapping: roles, placeholders, decimal mark and (after training) vocabularies.

    Returns:
        DataFrame with ``mapping.numeric`` columns as float (booleans 1/0) then
        ``mapping.categorical`` columns as ``str`` (missing as NaN).
    """
    missing = [c for c in mapping.features if c not in frame.columns]
    if missing:
        raise ContractError(f"the export lacks column(s) the model needs: {missing}")
    out: dict[str, pd.Series] = {}
    for name in mapping.numeric:
        text = blank_placeholders(frame[name], mapping.placeholders)
        out[name] = (parse_booleans(text) if mapping.roles[name] == "boolean"
                     else parse_numbers(text, mapping.decimal))
    for name in mapping.categorical:
        values = _categories(frame, name, mapping)
        vocabulary = mapping.vocabularies.get(name)
        if vocabulary is not None:
            values = values.where(values.isin(set(vocabulary)) | values.isna(), OTHER)
        out[name] = values.astype("str")
    result = pd.DataFrame(out, index=frame.index)
    return result.loc[:, mapping.numeric + mapping.categorical]


def unreadable_cells(frame: pd.DataFrame, x: pd.DataFrame, mapping: Mapping,
                     examples: int = 3) -> list[tuple[str, int, list[str]]]:
    """Cells of number and yes/no columns that hold text ``flat_features`` could not read.

    They count as missing for the model; this says how many there are, so nothing is lost
    silently. Examples that look like emails or phone numbers are masked. Returns ``(column,
    count, a few distinct examples)`` for each column with any.
    """
    out = []
    for name in mapping.numeric:
        given = blank_placeholders(frame[name], mapping.placeholders)
        lost = given.notna() & x[name].isna()
        if lost.any():
            shown = [mask_value(v) for v in given[lost].drop_duplicates().head(examples)]
            out.append((name, int(lost.sum()), shown))
    return out


def flat_catalog(mapping: Mapping) -> list[dict[str, str]]:
    """name, label, family and kind of each flat feature (the label is the export's header)."""
    kinds = {"numeric": "numeric", "boolean": "binary", "categorical": "categorical"}
    return [{"name": c, "label": c, "family": "flat", "kind": kinds[mapping.roles[c]]}
            for c in mapping.numeric + mapping.categorical]


def reference_row(x: pd.DataFrame, mapping: Mapping) -> dict[str, object]:
    """A typical lead: numeric medians, most frequent categories (for reasons and self-tests)."""
    ref: dict[str, object] = {}
    for name in x.columns:
        column = x[name]
        if name in mapping.categorical:
            mode = column.dropna().mode()
            ref[name] = str(mode.iloc[0]) if len(mode) else None
        else:
            ref[name] = float(np.nanmedian(column)) if column.notna().any() else None
    return ref


__all__ = ["OTHER", "flat_features", "learn_vocabularies", "flat_catalog", "reference_row",
           "unreadable_cells"]


def lead_ids(frame: pd.DataFrame, mapping: Mapping, path: Path) -> pd.Index:
    """The id of each row (the id column, or the 1-based row number); duplicates are an error."""
    if mapping.id_column is None:
        return pd.Index([str(i) for i in range(1, len(frame) + 1)], name="row")
    ids = blank_placeholders(frame[mapping.id_column], ())
    blank = ids.isna().to_numpy()
    if blank.any():
        raise ContractError(f"{path.name}: column {mapping.id_column!r} is blank at data row "
                            f"{int(blank.argmax()) + 1}")
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        row = int(dup.argmax())
        raise ContractError(f"{path.name}: column {mapping.id_column!r} repeats "
                            f"{ids.iloc[row]!r} at data row {row + 1}; ids must be unique")
    return pd.Index(ids.to_numpy(), name=mapping.id_column)


def parse_lead_times(frame: pd.DataFrame, mapping: Mapping) -> ParsedDates | None:
    """The time column parsed by ``features.dates.parse_dates`` (bounded; day-first or
    month-first from ``mapping.date_order`` or else decided from the values), or None without
    a time column.

    Raises:
        ContractError: the day/month order cannot be decided (names the column, asks for
            ``--dayfirst`` or ``--monthfirst``).
    """
    if mapping.time_column is None:
        return None
    text = blank_placeholders(frame[mapping.time_column], mapping.placeholders)
    order = mapping.date_order if mapping.date_order in ("dayfirst", "monthfirst") else None
    return parse_dates(text, mapping.time_column, order)  # type: ignore[arg-type]


def lead_times(frame: pd.DataFrame, mapping: Mapping) -> pd.Series:
    """Each row's MQL moment (UTC) from the time column; NaT without one or where unparsable or
    out of range (``parse_lead_times`` says which and why)."""
    parsed = parse_lead_times(frame, mapping)
    if parsed is None:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return parsed.values
