"""Monitoring from the prediction log: the scores a model version gave, and the outcomes fed
back, as ``monitoring.check.Observed``.

Each lead counts once per model version: its first logged score by that version (the moment
the model first judged it, like the MQL-time scores it was trained and tested on); rescoring a
lead later does not weigh it twice. Its inputs come back from the logged fingerprint
(``scoring.fingerprint.representatives``: one value per bin of the version's profile), so drift
is measured exactly as on the leads' own values. Outcomes are the store's (``POST
/v1/outcomes``, ``leadconv outcomes import``): a lead without one has not converted, so feed
every conversion back. Outcomes are known as of now.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from monitoring.check import Observed
from scoring.fingerprint import representatives
from scoring.profile import ReferenceProfile
from store.outcomes import read_outcomes
from store.predictions import read_log


class EmptyLog(ValueError):
    """The log holds no score of the model version (in the period asked)."""


def observed_from_log(engine: Engine, profile: ReferenceProfile, version: str,
                      since: datetime | None = None,
                      as_of: pd.Timestamp | None = None) -> tuple[Observed, dict[str, object]]:
    """The leads model ``version`` scored (since ``since``), one per lead, with the outcomes.

    Returns:
        (the observation; facts for the summary's ``data``: source, scores logged, leads).
    """
    log = read_log(engine, since=since, model_version=version)
    if log.empty:
        raise EmptyLog(f"the prediction log holds no score of model v{version}"
                       + (f" since {since.date()}" if since is not None else "")
                       + ": score leads with the service or `leadconv score` first")
    first = (log.sort_values(["scored_at", "id"], kind="stable")
             .drop_duplicates("lead_id", keep="first").set_index("lead_id"))
    features = representatives(profile, first["fingerprint"].tolist())
    features.index = first.index
    now = as_of if as_of is not None else pd.Timestamp.now(tz="UTC")
    observed = Observed(features=features, scored_at=first["scored_at"],
                        probability=first["probability"], outcomes=read_outcomes(engine),
                        as_of=now)
    no_print = int(first["fingerprint"].isna().sum())
    data: dict[str, object] = {"source": "prediction log", "n_scores_logged": len(log),
                               "n_without_fingerprint": no_print, "n_rejected": 0}
    return observed, data
