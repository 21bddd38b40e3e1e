"""The drifting demo: from a change date on, the market the leads come from shifts.

``leadconv demo-data --drift`` (``generate_demo(..., drift=Drift(...))``): for leads with an MQL
at or after ``change_at`` (default ``DEFAULT_MONTHS_BEFORE`` months before ``as_of``):

* **source mix**: a share ``switch`` of them came through a new paid-social campaign instead of
  their channel: their source is redrawn from ``SWITCH_TO`` (mostly ``social``), so referrals,
  organic search and the rest shrink in proportion (the people are the same: the new channel
  changes their chance through the source effect of the story, not what they did before);
* **behaviour**: the pricing page moved behind a login: each pre-MQL pricing page view is kept
  with probability ``pricing_kept`` only;
* **conversion**: sales raised its bar for an SQL: ``intercept_shift`` is added to the story's
  logit, so the same lead converts less often than before.

The truth follows the story (``story.md``): ``p_true`` is computed from what was written (the
new sources, the thinned pricing views) plus the intercept shift, so a model trained before the
change is miscalibrated after it (the intercept) and sees inputs it was not trained on (the
source mix, the pricing views). A model retrained on the new months learns it. The drift draws
use their own random stream, so the leads before ``change_at`` keep their rows, pre-MQL
activities, outcomes and true probabilities of the history without drift (only their nurture
activities after the MQL are drawn anew).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from demodata.truth import TYPE_CODE, Events

DEFAULT_MONTHS_BEFORE = 6  # the change date, before as_of: 3 months matured, 3 still censored
SWITCH_TO = {"social": 0.75, "paid_search": 0.25}


@dataclass(frozen=True)
class Drift:
    """What changes after ``change_at`` (None: ``DEFAULT_MONTHS_BEFORE`` months before as_of)."""

    change_at: str | pd.Timestamp | None = None
    switch: float = 0.45
    pricing_kept: float = 0.25
    intercept_shift: float = -0.8

    def change_seconds(self, as_of: pd.Timestamp) -> int:
        """The change moment in seconds since the epoch (UTC)."""
        if self.change_at is None:
            when = as_of - pd.DateOffset(months=DEFAULT_MONTHS_BEFORE)
        else:
            stamp = pd.Timestamp(self.change_at)
            when = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return int(pd.Timestamp(when).floor("D").value // 10**9)


def shift_sources(rng: np.random.Generator, leads: pd.DataFrame, after: np.ndarray,
                  switch: float) -> pd.DataFrame:
    """New sources for a share ``switch`` of the leads ``after`` the change."""
    moved = after & (rng.random(len(leads)) < switch)
    new = rng.choice(list(SWITCH_TO), size=len(leads), p=list(SWITCH_TO.values()))
    old = leads["source"].to_numpy(dtype=object)
    out = leads.copy()
    out["source"] = pd.array(np.where(moved, new, old), dtype="str")
    return out


def thin_pricing(rng: np.random.Generator, ev: Events, after: np.ndarray, kept: float) -> Events:
    """Drop each pricing page view of a lead ``after`` the change with probability 1 - kept."""
    pricing = (ev.code == TYPE_CODE["pricing_page_view"]) & after[ev.lead]
    return ev.select(~(pricing & (rng.random(len(ev.lead)) >= kept)))


def after_change(mql_s: np.ndarray, change_s: int) -> np.ndarray:
    """Which leads have their MQL at or after the change (seconds)."""
    return mql_s >= change_s


