"""The registered model as MLflow sees it: a pyfunc that scores **raw lead rows**.

``mlflow.pyfunc.load_model("models:/lead-conversion@champion").predict(rows)``, ``mlflow models
serve`` and ``mlflow.pyfunc.spark_udf`` all call ``RawLeadModel.predict`` of this module, which
scores with ``scoring.event.Scorer`` (event shape) or ``scoring.flat.FlatScorer`` (flat shape):
the same features, probabilities and scores as ``leadconv score``, never a second copy.

Input, one row per lead (every column of the signature is required; values may be missing):

* event shape: the leads table's columns (``features.vocab``: ``lead_id``, ``mql_at``, ``source``
  and the optional fields; ``company_size``, ``annual_revenue`` and ``budget`` as numbers, the
  rest as text, timestamps as ISO 8601 text), ``activities`` (JSON text: a list of
  ``{"occurred_at", "activity_type", "content_stage"}``; missing = none) and ``scored_at``
  (ISO 8601; missing = now, UTC). The rows go through the data contract
  (``features.contract.validate_frames``) as an export would; a row it rejects stops the call
  with an error naming the row, the column and why.
* flat shape: the flat export's id column (if the model has one) and feature columns, as text.

Output: a DataFrame with one row per input row, in input order, columns ``OUTPUT_COLUMNS``
(``lead_id``, ``probability`` = P(converts), ``score`` 1-100, ``grade`` A-D, ``fit`` and
``engagement``; a flat export's model: the first four).

How it is stored (``scoring.model_folder``): the MLmodel names this module as its
``loader_module``; the model's data folder holds the fitted pipeline as a skops file, its card
(``model.json``) and the rules file. Loading (``_load_pyfunc``) builds the pipeline with skops
and the allow-list of ``scoring.trusted`` (``scoring.bundle.load_skops``): nothing is unpickled
and no code is read from the artifact store. The folder is not signed (the bundle is): whoever
can write the MLflow artifact store can replace the model with another allow-listed one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features import vocab
from features.rules import load_rules
from scoring import event, flat
from scoring.card import ModelCard
from scoring.model_folder import RULES_FILE, load_model_folder

ACTIVITIES = "activities"  # JSON text column of the event shape's input
SCORED_AT = "scored_at"
LEAD_COLUMNS = (*vocab.LEADS_REQUIRED, *vocab.LEADS_OPTIONAL)
AMOUNTS = ("company_size", "annual_revenue", "budget")  # numbers; every other input is text
# What the pyfunc returns, taken from ``Scorer.score`` (a flat export's model has no fit and
# engagement parts: its columns have no family).
OUTPUT_COLUMNS = ("lead_id", "probability", "score", "grade", "fit", "engagement")
FLAT_OUTPUT_COLUMNS = ("lead_id", "probability", "score", "grade")


def input_columns(card: ModelCard) -> list[tuple[str, str]]:
    """(name, MLflow type) of each input column of a model with this card, in order."""
    if card.is_flat:
        mapping = card.flat_mapping()
        names = [*([mapping.id_column] if mapping.id_column else []), *mapping.features]
        return [(name, "string") for name in dict.fromkeys(names)]
    return [*((c, "double" if c in AMOUNTS else "string") for c in LEAD_COLUMNS),
            (ACTIVITIES, "string"), (SCORED_AT, "string")]


def event_rows(leads: pd.DataFrame, activities: pd.DataFrame,
               scored_at: pd.Series | pd.Timestamp | str | None = None) -> pd.DataFrame:
    """The pyfunc's input rows for validated event-shape tables (as ``load_crm`` gives them):
    the leads' columns (timestamps as ISO 8601 UTC text, amounts as numbers), each lead's
    activities as JSON text, and ``scored_at`` (one moment, a Series by ``lead_id``, or None:
    missing, i.e. now)."""
    from features.contract import as_text

    present = [c for c in LEAD_COLUMNS if c in leads.columns]
    text = as_text(leads.loc[:, present], "leads")
    out = pd.DataFrame(index=range(len(leads)))
    for column in LEAD_COLUMNS:
        if column in AMOUNTS:
            out[column] = (pd.to_numeric(leads[column], errors="coerce").to_numpy(dtype=float)
                           if column in leads.columns else np.nan)
        else:
            out[column] = text[column].to_numpy() if column in text.columns else None
    fields = [c for c in (*vocab.ACTIVITIES_REQUIRED[1:], *vocab.ACTIVITIES_OPTIONAL)
              if c in activities.columns]
    acts = as_text(activities.loc[:, ["lead_id", *fields]], "activities")
    by_lead = {lead: json.dumps([{k: v for k, v in row.items() if isinstance(v, str)}
                                 for row in group[fields].to_dict(orient="records")])
               for lead, group in acts.groupby("lead_id", sort=False)}
    out[ACTIVITIES] = [by_lead.get(lead) for lead in text["lead_id"]]
    if scored_at is None:
        out[SCORED_AT] = None
    else:
        moments = (pd.to_datetime(scored_at, utc=True).reindex(leads["lead_id"]).to_numpy()
                   if isinstance(scored_at, pd.Series) else
                   np.full(len(leads), pd.Timestamp(scored_at).tz_convert("UTC")
                           if pd.Timestamp(scored_at).tzinfo else
                           pd.Timestamp(scored_at).tz_localize("UTC")))
        stamps = pd.Series(pd.to_datetime(moments, utc=True), name=SCORED_AT).to_frame()
        out[SCORED_AT] = as_text(stamps, SCORED_AT)[SCORED_AT].to_numpy()
    for column in out.columns:  # missing text as None: a NaN would reach Spark as "NaN"
        if column not in AMOUNTS:
            out[column] = pd.Series([v if isinstance(v, str) else None for v in out[column]],
                                    index=out.index, dtype=object)
    return out


def _text(values: pd.Series) -> pd.Series:
    """Cells as text, missing values kept missing (what the contract reads)."""
    return values.astype("str").where(values.notna())


def _activity_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The activities table of the input rows, from each row's ``activities`` JSON."""
    rows: list[dict[str, Any]] = []
    for i, (lead_id, cell) in enumerate(zip(frame["lead_id"], frame[ACTIVITIES], strict=True)):
        if cell is None or (isinstance(cell, float) and np.isnan(cell)) or not str(cell).strip():
            continue
        try:
            items = json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValueError(f"row {i + 1} (lead {lead_id!r}), column {ACTIVITIES!r}: not JSON "
                             f"({exc.msg} at character {exc.pos})") from None
        if not isinstance(items, list) or not all(isinstance(a, dict) for a in items):
            raise ValueError(f"row {i + 1} (lead {lead_id!r}), column {ACTIVITIES!r}: expected a "
                             f"JSON list of objects with occurred_at, activity_type and "
                             f"content_stage")
        rows.extend({"lead_id": lead_id, **{k: item.get(k) for k in
                                            (*vocab.ACTIVITIES_REQUIRED[1:],
                                             *vocab.ACTIVITIES_OPTIONAL)}} for item in items)
    columns = [*vocab.ACTIVITIES_REQUIRED, *vocab.ACTIVITIES_OPTIONAL]
    return pd.DataFrame(rows, columns=columns).astype("str") if rows else pd.DataFrame(
        {c: pd.Series(dtype="str") for c in columns})


def _moments(frame: pd.DataFrame) -> pd.Series:
    """The scoring moment of each row (``scored_at``; missing: now), by lead id."""
    now = pd.Timestamp.now(tz="UTC")
    out = []
    for i, value in enumerate(frame[SCORED_AT]):
        if value is None or (isinstance(value, float) and np.isnan(value)) or not str(value):
            out.append(now)
            continue
        try:
            stamp = pd.Timestamp(str(value))
        except ValueError:
            raise ValueError(f"row {i + 1}, column {SCORED_AT!r}: {value!r} is not an ISO 8601 "
                             f"timestamp") from None
        out.append(stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC"))
    return pd.Series(out, index=pd.Index(frame["lead_id"], name="lead_id"))


def _reject_message(rejects: pd.DataFrame, shown: int = 3) -> str:
    lines = [f"{r.file} row {r.row}, column {r.column!r} ({r.value!r}): {r.reason}"
             for r in rejects.head(shown).itertuples()]
    more = f"; and {len(rejects) - shown} more" if len(rejects) > shown else ""
    return (f"{len(rejects)} input row(s) break the data contract and cannot be scored: "
            + "; ".join(lines) + more)


class RawLeadModel:
    """What ``mlflow.pyfunc.load_model`` returns the ``predict`` of (see the module docstring)."""

    def __init__(self, model: Any, card: ModelCard, rules_path: Path | None = None) -> None:
        from scoring.load import make_scorer

        self.card = card
        self.scorer = make_scorer(model, card, load_rules(rules_path))

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Score the rows of ``model_input`` (a DataFrame, or what ``pd.DataFrame`` takes)."""
        frame = pd.DataFrame(model_input).reset_index(drop=True)
        if frame.empty:  # an empty batch (Spark may send one): no rows, the same columns
            flat_shape = isinstance(self.scorer, flat.FlatScorer)
            return pd.DataFrame(columns=list(FLAT_OUTPUT_COLUMNS if flat_shape
                                             else OUTPUT_COLUMNS))
        if isinstance(self.scorer, flat.FlatScorer):
            return self._flat(frame)
        return self._event(frame)

    def _event(self, frame: pd.DataFrame) -> pd.DataFrame:
        from features.contract import validate_frames

        assert isinstance(self.scorer, event.Scorer)
        missing = [c for c in (*vocab.LEADS_REQUIRED, ACTIVITIES, SCORED_AT)
                   if c not in frame.columns]
        if missing:
            raise ValueError(f"the input lacks column(s) {missing}")
        leads = pd.DataFrame({c: _text(frame[c]) for c in LEAD_COLUMNS if c in frame.columns})
        moments = _moments(leads.assign(scored_at=frame[SCORED_AT].to_numpy()))
        # nothing may come after the latest scoring moment or now: later is a data error
        as_of = max(pd.Timestamp.now(tz="UTC"), moments.max())
        crm = validate_frames(leads, _activity_rows(leads.assign(activities=frame[ACTIVITIES])),
                              None, as_of=as_of, require_outcomes=False, max_reject_fraction=1.0,
                              names={"leads": "input", "activities": "activities"})
        if crm.report.n_rejected:
            raise ValueError(_reject_message(crm.report.rejects))
        scores = self.scorer.score(crm.leads, crm.activities,
                                   pd.Series(moments.to_numpy(), index=crm.leads["lead_id"]))
        return scores.loc[:, list(OUTPUT_COLUMNS)].reset_index(drop=True)

    def _flat(self, frame: pd.DataFrame) -> pd.DataFrame:
        assert isinstance(self.scorer, flat.FlatScorer)
        text = pd.DataFrame({c: _text(frame[c]) for c in frame.columns})
        scores = self.scorer.score(text)
        id_column = self.scorer.mapping.id_column
        ids = scores[id_column] if id_column in scores.columns else scores["row"]
        scores = scores.assign(lead_id=_text(pd.Series(ids)).to_numpy())
        return scores.loc[:, list(FLAT_OUTPUT_COLUMNS)].reset_index(drop=True)


def _load_pyfunc(data_path: str) -> RawLeadModel:
    """MLflow's entry point (``loader_module``): the model of a data folder."""
    model, card = load_model_folder(data_path)
    rules = Path(data_path) / RULES_FILE
    return RawLeadModel(model, card, rules if rules.exists() else None)
