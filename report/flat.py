"""The marketers' report of a model trained on a flat export: the inputs of the same page.

``build_report`` (``report.page``) draws the page for both data shapes; this module only
makes its ``ReportInputs`` from a flat export:

* **leads**: the rows whose label column is filled in — exactly the rows training used (train,
  validation and test); rows with a blank label are left out and counted. Conversion is what
  the label column says.
* **segments** (the "conversion by" breakdowns): the categorical columns of the mapping that the
  model uses (so never a column the leakage check dropped) with between 2 and ``MAX_DISTINCT``
  distinct values among those leads, the ``MAX_SEGMENTS`` with the highest model importance;
  then the MQL month when the mapping has a time column. Values are read from the export's rows
  (never from the model's inputs, whose vocabularies pool rare values), with placeholders
  ("Select", blanks, ...) shown as ``(unknown)``; beyond the ``TOP_VALUES`` most frequent, the
  rest are pooled as ``(other)``.
* **drivers**: the model's importances grouped by the kind of column (numbers, yes/no,
  categories), since a flat export has no feature families.
* no points score (the lift is the model's alone) and no BANT flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.roles import Mapping, blank_placeholders
from features.rules import ScoreTiers
from report.insights import TOP_DRIVERS
from report.tables import POOLED, UNKNOWN, ReportInputs, card_importances
from scoring.card import ModelCard

MAX_SEGMENTS = 4  # categorical columns shown as "conversion by"
MAX_DISTINCT = 30  # a column with more distinct values is not a segment (ids, free text)
TOP_VALUES = 12  # values shown per segment; the rarer ones are pooled as "(other)"
KIND_GROUPS = {"numeric": "Numbers", "binary": "Yes / no", "categorical": "Categories"}
SEGMENT_RULE = (
    f"Segments: the categorical columns the model uses with 2 to {MAX_DISTINCT} distinct values, "
    f"the {MAX_SEGMENTS} most important to the model; values beyond the {TOP_VALUES} most "
    f"frequent are pooled as {POOLED}; unanswered values (placeholders, blanks) are {UNKNOWN}.")


def segment_columns(rows: pd.DataFrame, mapping: Mapping, importances: pd.DataFrame) -> list[str]:
    """The categorical columns to break conversion down by (see the module doc), in order."""
    importance = dict(zip(importances.get("name", []), importances.get("importance", []),
                          strict=True))
    eligible = []
    for column in mapping.categorical:
        distinct = blank_placeholders(rows[column], mapping.placeholders).nunique(dropna=True)
        if 2 <= distinct <= MAX_DISTINCT:
            eligible.append(column)
    eligible.sort(key=lambda c: -float(importance.get(c, -np.inf)))
    return eligible[:MAX_SEGMENTS]


def segment_text(values: pd.Series, placeholders: tuple[str, ...]) -> pd.Series:
    """The export's values as text, unanswered as ``(unknown)``, rare ones pooled."""
    text = blank_placeholders(values, placeholders)
    text = text.astype("object").where(text.notna(), UNKNOWN).astype(str)
    counts = text.value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    keep = {v for v, _ in ordered[:TOP_VALUES]}
    return text.where(text.isin(keep), POOLED) if len(counts) > TOP_VALUES else text


def _key(column: str, taken: set[str]) -> str:
    """A leads-frame column (and table id) for an export column: ``flat_`` + a slug."""
    base = "flat_" + (re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_") or "column")
    key, i = base, 2
    while key in taken:
        key, i = f"{base}_{i}", i + 1
    taken.add(key)
    return key


def flat_inputs(rows: pd.DataFrame, mapping: Mapping, labelled: pd.DataFrame,
                probability: pd.Series, evaluated_ids: pd.Index, importances: pd.DataFrame,
                card: ModelCard, scope: dict[str, Any],
                tiers: ScoreTiers | None = None) -> ReportInputs:
    """Report inputs of a flat export.

    Args:
        rows: the export's rows (text, as read) of the labelled leads, indexed by lead id.
        mapping: the model's mapping (roles after the leakage check, placeholders).
        labelled: ``scored_at`` (UTC or NaT) and ``label`` (0/1) by lead id.
        probability: the model's probability for (at least) ``evaluated_ids``.
        evaluated_ids: the leads calibration and lift are measured on.
        importances: the model's global importances (family "flat").
        card: the model card; scope: sentences about the data (see ``ReportInputs``).
        tiers: the score tiers of the rules file (default: the shipped ones).

    The values of the top drivers (``report.insights.TOP_DRIVERS``) are the export's text,
    placeholders blanked (numbers are read as numbers by the insights).
    """
    ids = labelled.index
    leads = pd.DataFrame({"mql_at": labelled["scored_at"],
                          "label": labelled["label"].astype(float),
                          "probability": probability.reindex(ids).astype(float),
                          "is_test": ids.isin(evaluated_ids)}, index=ids)
    segments: dict[str, str] = {}
    rotate: set[str] = {"mql_month"}
    taken = set(leads.columns)
    for column in segment_columns(rows.loc[ids], mapping, importances):
        key = _key(column, taken)
        leads[key] = segment_text(rows.loc[ids, column], mapping.placeholders)
        segments[key] = column
        if leads[key].nunique() > 6 or leads[key].str.len().max() > 14:
            rotate.add(key)
    if mapping.time_column is not None and leads["mql_at"].notna().any():
        segments["mql_month"] = f"MQL month ({mapping.time_column})"
    kinds = {f["name"]: f.get("kind", "") for f in card.features}
    importances = importances.assign(family=importances["name"].map(kinds).fillna("other"))
    target = mapping.target
    scope = {"definition": f"Leads here are the rows of the export with {target!r} filled in "
                           "(the rows the model was trained, validated and tested on); a lead "
                           f"converted when {target!r} says so. MQL = a row, SQL = a converted "
                           "row.",
             "segment_rule": SEGMENT_RULE,
             "conversion": f"Conversion = the export's {target!r} column says converted; rows "
                           "with it blank are left out.",
             "family_note": "A flat export has no feature families: the columns are grouped by "
                            "kind (numbers, yes/no, categories).",
             **scope}
    drivers = [c for c in importances["name"].head(TOP_DRIVERS) if c in rows.columns]
    values = pd.DataFrame({c: blank_placeholders(rows.loc[ids, c], mapping.placeholders)
                           for c in drivers}, index=ids)
    return ReportInputs(leads, importances, card, scope, segments=segments,
                        rotate=frozenset(rotate), family_groups=dict(KIND_GROUPS), points=False,
                        bant=False, shape="flat", tiers=tiers or ScoreTiers(), values=values)


@dataclass(frozen=True)
class FlatExportRows:
    """The labelled rows of a flat export as a training run read them.

    Attributes:
        rows: the export's rows (text, as read) of the labelled leads, indexed by lead id.
        mapping: the model's mapping (roles after the leakage check, placeholders).
        labelled: ``scored_at`` (UTC or NaT) and ``label`` (0/1) by lead id.
        source: the export file.
        n_unlabelled: rows with the label blank (left out).
    """

    rows: pd.DataFrame
    mapping: Mapping
    labelled: pd.DataFrame
    source: Path
    n_unlabelled: int


def inputs_from_flat_run(export: FlatExportRows, split: Any, p_test: np.ndarray,
                         importances: pd.DataFrame, card: ModelCard) -> ReportInputs:
    """Report inputs of a flat training run: every labelled row, scores on the test split."""
    rows, mapping, labelled = export.rows, export.mapping, export.labelled
    source, n_unlabelled = export.source, export.n_unlabelled
    when = labelled["scored_at"]
    dates = (f", MQL dates {when.min().date()} to {when.max().date()}"
             if when.notna().any() else "")
    test = "out-of-time test set (the newest labelled leads" if split.kind == "out_of_time" \
        else "random test split (no time column, so not the newest leads"
    scope = {"data": f"Leads of the flat export {source.name}{dates}.",
             "evaluated_on": f"the {test}, {split.boundaries.get('test', '')})",
             "n_unlabelled": n_unlabelled}
    return flat_inputs(rows, mapping, labelled, pd.Series(p_test, index=split.test), split.test,
                       importances, card, scope)


def inputs_from_flat_export(path: str | Path, models_dir: str | Path = "models") -> ReportInputs:
    """Report inputs of a flat export (CSV or Parquet with the label column) scored by the flat
    champion of ``models_dir``; calibration and lift on every labelled row of it."""
    from features.contract import ContractError
    from features.flat import lead_ids, lead_times
    from features.flat_read import read_flat
    from features.roles import parse_labels
    from scoring.flat import FlatScorer

    path = Path(path)
    scorer = FlatScorer.from_bundle(Path(models_dir) / "champion")
    mapping = scorer.mapping
    flat = read_flat(path)
    target = mapping.target
    if target is None or target not in flat.frame.columns:
        raise ContractError(f"{path.name}: no label column {target!r}; the report needs the "
                            "outcome of each lead (use the report of the bundle: leadconv report "
                            "--out FILE)")
    frame = flat.frame.set_axis(lead_ids(flat.frame, mapping, path), axis=0)
    labels = parse_labels(frame[target], mapping.positive, mapping.placeholders)
    labelled = pd.DataFrame({"scored_at": lead_times(frame, mapping), "label": labels})
    labelled = labelled[labels.notna()]
    rows = frame.loc[labelled.index]
    probability = pd.Series(scorer.probabilities(rows), index=labelled.index)
    importances = card_importances(scorer.card)
    scope = {"data": f"Leads of the flat export {path.name}, scored by the champion "
                     f"v{scorer.version}.",
             "evaluated_on": "every labelled lead of this export",
             "n_unlabelled": int(labels.isna().sum())}
    return flat_inputs(rows, mapping, labelled, probability, labelled.index, importances,
                       scorer.card, scope, scorer.rules.tiers)


def flat_report_for_run(export: FlatExportRows, split: Any, p_test: np.ndarray,
                        importances: pd.DataFrame, card: ModelCard) -> str:
    """``build_report(inputs_from_flat_run(...))``: the report flat training logs and exports."""
    from report.page import build_report

    return build_report(inputs_from_flat_run(export, split, p_test, importances, card))
