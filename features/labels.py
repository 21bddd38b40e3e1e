"""Labels without leakage: converted within the horizon, or censored, never a guessed 0.

For each lead and its scoring moment ``t`` (default its MQL time) and horizon ``H``:

* ``1`` if it became an SQL in ``(t, t + H]`` and ``t + H <= as_of``;
* ``0`` if it did not, and ``t + H <= as_of`` (the whole horizon was observed). A lead
  disqualified before converting is a 0 once its horizon has passed;
* censored (left out, counted) if its horizon has not passed by ``as_of``. Unconverted, it may
  still convert, so calling it 0 would teach the model that recent leads never convert. Converted
  early, it is left out too (``censored_converted``): keeping the early converters of a recent
  cohort while its non-converters are still unknown would make that cohort look far better than it
  is (selection bias that wrecks calibration on the newest, out-of-time test set);
* already converted (left out, counted) if it became an SQL at or before ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STATUSES = ("converted", "not_converted", "censored", "censored_converted", "already_converted")


@dataclass(frozen=True)
class Labels:
    """``frame``: indexed by lead_id, columns ``scored_at``, ``sql_at``, ``status``, ``label``."""

    frame: pd.DataFrame
    horizon_days: int
    as_of: pd.Timestamp

    @property
    def labelled(self) -> pd.DataFrame:
        return self.frame[self.frame["status"].isin(("converted", "not_converted"))]

    @property
    def n_censored(self) -> int:
        """Leads left out because their horizon was not over by ``as_of`` (converted or not)."""
        counts = self.counts()
        return counts["censored"] + counts["censored_converted"]

    def counts(self) -> dict[str, int]:
        counts = self.frame["status"].value_counts()
        return {s: int(counts.get(s, 0)) for s in STATUSES}


def make_labels(scored_at: pd.Series, outcomes: pd.DataFrame, as_of: pd.Timestamp,
                horizon_days: int) -> Labels:
    """Label each lead of ``scored_at`` (tz-aware UTC, indexed by lead_id).

    Args:
        scored_at: the scoring moment per lead.
        outcomes: ``lead_id``, ``sql_at`` (missing if never / not yet). Leads absent here have
            not converted.
        as_of: when the data was exported.
        horizon_days: the horizon ``H`` in days.
    """
    sql_at = pd.to_datetime(outcomes.set_index("lead_id")["sql_at"], utc=True).reindex(
        scored_at.index)
    horizon_end = scored_at + pd.Timedelta(days=horizon_days)
    converted = (sql_at > scored_at) & (sql_at <= horizon_end)
    already = sql_at <= scored_at
    observed = horizon_end <= as_of
    status = np.select(
        [already.to_numpy(), ~observed.to_numpy() & converted.to_numpy(), ~observed.to_numpy(),
         converted.to_numpy()],
        ["already_converted", "censored_converted", "censored", "converted"],
        default="not_converted",
    )
    label = np.where(status == "converted", 1.0, np.where(status == "not_converted", 0.0, np.nan))
    frame = pd.DataFrame({"scored_at": scored_at, "sql_at": sql_at, "status": status,
                          "label": label}, index=scored_at.index)
    return Labels(frame, horizon_days, as_of)


def open_leads(leads: pd.DataFrame, outcomes: pd.DataFrame, moments: pd.Series,
               horizon_days: int) -> pd.Series:
    """Which leads are still open at their scoring moment: not converted yet, not disqualified
    and still within ``horizon_days`` of their MQL time (past it, the question the model answers
    is over). A boolean Series indexed by lead_id, in the order of ``leads``.

    Args:
        leads: ``lead_id`` and ``mql_at`` (tz-aware UTC).
        outcomes: ``lead_id``, ``sql_at`` and optional ``disqualified_at``; absent leads are open.
        moments: the scoring moment per lead_id (``features.build.scoring_moments``).
    """
    ids = pd.Index(leads["lead_id"], name="lead_id")
    by_lead = outcomes.drop_duplicates("lead_id", keep="last").set_index("lead_id")

    def stamp(column: str) -> pd.Series:
        if column not in by_lead.columns:
            return pd.Series(pd.NaT, index=ids, dtype="datetime64[ns, UTC]")
        return pd.to_datetime(by_lead[column], utc=True).reindex(ids)

    at = pd.to_datetime(moments, utc=True).reindex(ids)
    mql = pd.Series(pd.to_datetime(leads["mql_at"], utc=True).to_numpy(), index=ids)
    closed = ((stamp("sql_at") <= at) | (stamp("disqualified_at") <= at)
              | (mql + pd.Timedelta(days=horizon_days) <= at))
    return ~closed.fillna(False).astype(bool)
