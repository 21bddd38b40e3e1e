"""``build_features``: the ONE function that turns contract tables into model inputs.

Training and serving both call it, so what the model sees in production is what it saw in
training. It is point in time: a lead's features use only activities at or before its scoring
moment (by default its MQL time). The leads-table fields (firmographics, title, declared BANT
fields) are a snapshot and are taken as known at the scoring moment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features import behaviour, columns, declared, demographics, firmographics, source
from features.catalog import FeatureSpec, catalog_frame
from features.rules import Rules, load_rules

DEMOGRAPHIC_SPECS = (
    FeatureSpec("seniority", "demographic", "categorical", "Seniority (from job title)"),
    FeatureSpec("job_function", "demographic", "categorical", "Job function (from job title)"),
)
SPECS: tuple[FeatureSpec, ...] = (
    *firmographics.SPECS,
    *DEMOGRAPHIC_SPECS,
    *source.SPECS,
    *declared.SPECS,
    *behaviour.SPECS,
)
FEATURE_NAMES = tuple(s.name for s in SPECS)
CATEGORICAL = tuple(s.name for s in SPECS if s.kind == "categorical")
NUMERIC = tuple(s.name for s in SPECS if s.kind != "categorical")


def feature_catalog() -> pd.DataFrame:
    """name, family, kind and business label of every feature ``build_features`` returns."""
    return catalog_frame(SPECS)


def scoring_moments(leads: pd.DataFrame, at: str | pd.Timestamp | pd.Series | None) -> pd.Series:
    """Resolve the scoring moment of each lead as tz-aware UTC, indexed by ``lead_id``.

    ``at`` is None (each lead's ``mql_at``), one moment for all leads, or a Series by lead_id.
    """
    ids = pd.Index(leads["lead_id"], name="lead_id")
    if at is None:
        moments = pd.Series(pd.to_datetime(leads["mql_at"], utc=True).to_numpy(), index=ids)
    elif isinstance(at, pd.Series):
        moments = pd.to_datetime(at, utc=True).reindex(ids)
        missing = moments.isna()
        if missing.any():
            raise ValueError(f"no scoring moment for {int(missing.sum())} lead(s), e.g. "
                             f"{ids[missing.to_numpy()][0]!r}")
    else:
        stamp = pd.Timestamp(at)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        moments = pd.Series(stamp, index=ids)
    return moments.dt.tz_convert("UTC")


def build_features(
    leads: pd.DataFrame,
    activities: pd.DataFrame,
    at: str | pd.Timestamp | pd.Series | None = None,
    *,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """One row of features per lead, from what was known at its scoring moment.

    Args:
        leads: leads table of the contract (``lead_id`` unique, ``mql_at``, ``source``, optional
            firmographic, title and declared fields). Not modified.
        activities: activities table (``lead_id``, ``occurred_at``, ``activity_type``, optional
            ``content_stage``) of these leads only. Activities after a lead's scoring moment are
            ignored.
        at: scoring moment: None = each lead's ``mql_at``; a timestamp for all; or a Series of
            timestamps indexed by lead_id.
        rules: the rules file (ideal customer profile); default the shipped ``rules.toml``.

    Returns:
        DataFrame indexed by ``lead_id`` with columns ``FEATURE_NAMES`` (categoricals as text,
        missing as NaN) plus ``scored_at``.

    Raises:
        ValueError: ``lead_id`` is not unique in ``leads``, or an activity's ``lead_id`` is not
            in ``leads`` (it would count for no lead; ``features.contract`` rejects such rows).
    """
    if leads["lead_id"].duplicated().any():
        raise ValueError("leads.lead_id must be unique (load through features.contract)")
    moments = scoring_moments(leads, at)
    check_activity_leads(activities, moments.index)
    cols = feature_columns(columns.from_frame(leads), moments.to_numpy(dtype="datetime64[ns]"),
                           behaviour.activity_columns(activities), rules=rules,
                           lead_ids=moments.index)
    features = columns.to_frame(cols, moments.index, FEATURE_NAMES, CATEGORICAL)
    features["scored_at"] = moments
    return features


def check_activity_leads(activities: pd.DataFrame, lead_ids: pd.Index, shown: int = 3) -> None:
    """Raise ValueError if an activity's ``lead_id`` is not in ``lead_ids``, naming how many
    activities and the first ``shown`` such lead ids.

    Cost: one hash of each activity's ``lead_id`` (its distinct ids are looked up in
    ``lead_ids``): a few ms per 100,000 activities.
    """
    ids = activities["lead_id"]
    distinct = ids.unique()
    known = lead_ids if lead_ids.is_unique else lead_ids.unique()
    missing = distinct[known.get_indexer(distinct) < 0]
    if not len(missing):
        return
    n = int(ids.isin(missing).sum())
    examples = ", ".join(repr(i) for i in missing[:shown]) + (", ..." if len(missing) > shown
                                                             else "")
    raise ValueError(f"{n:,} activities belong to {len(missing):,} lead_id(s) not in leads: "
                     f"{examples}; pass only the activities of these leads (or load through "
                     f"features.contract, which rejects them)")


def feature_columns(
    leads: columns.Columns,
    at: np.ndarray,
    activities: columns.Columns,
    *,
    rules: Rules | None = None,
    lead_ids: pd.Index | None = None,
) -> dict[str, np.ndarray]:
    """The core of :func:`build_features` on plain arrays: one entry per feature name.

    Args:
        leads: the leads table's columns (``lead_id`` unique; see ``build_features``).
        at: scoring moment per lead, ``datetime64[ns]`` UTC.
        activities: ``lead_id``, ``occurred_at`` (``datetime64[ns]`` UTC), ``activity_type``,
            optional ``content_stage``.
        rules: the rules file (ideal customer profile); default the shipped ``rules.toml``.
        lead_ids: ``leads["lead_id"]`` as an Index, when the caller has it already.
    """
    rules = rules or load_rules()
    n = len(leads["lead_id"])
    ids = lead_ids if lead_ids is not None else pd.Index(leads["lead_id"], name="lead_id")
    out: dict[str, np.ndarray] = {}
    out.update(firmographics.firmographic_columns(leads, n, rules.icp))
    out.update(demographics.demographic_columns(leads, n))
    out.update(source.source_columns(leads, n))
    out.update(declared.declared_columns(leads, n))
    out.update(behaviour.behaviour_columns(ids, np.asarray(at, dtype="datetime64[ns]"), activities))
    return out


def feature_matrix(features: pd.DataFrame, names: Sequence[str] | None = None) -> pd.DataFrame:
    """The model-input columns only (``names``, default all): categoricals as text, numbers as
    float."""
    names = list(FEATURE_NAMES if names is None else names)
    out = features.loc[:, names]
    categorical = set(CATEGORICAL)
    wanted = {n: "str" if n in categorical else "float64" for n in names}
    convert = {name: dtype for name, dtype in wanted.items() if out[name].dtype != dtype}
    return out.astype(convert) if convert else out.copy()


__all__ = ["FEATURE_NAMES", "CATEGORICAL", "NUMERIC", "SPECS", "build_features",
           "check_activity_leads", "feature_columns", "feature_catalog", "feature_matrix",
           "scoring_moments"]
