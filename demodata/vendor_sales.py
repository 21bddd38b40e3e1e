"""What sales and the CRM write into a lead's record AFTER its outcome: the planted leaks.

Each mechanism is what happens in a real CRM between the MQL and the export, driven by whether
the lead became an SQL, with noise, so none of the columns gives the label away on its own:

* snapshot at export: the last activity and the live lead score are overwritten by what happened
  after the MQL (meetings for the converted, nurture e-mails and score decay for the others);
* dominates: the minutes of the discovery call, logged during the sales contact itself;
* assigned by sales: a rating (Hot/Warm/Cold) and a priority index (1-5) that reps fill in
  mostly for the leads they work (most converted leads, some others), skewed towards the ones
  that went further;
* name: the disposition a rep picks when closing the follow-up task.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from demodata.draws import draw_by_outcome

# the last activity before the MQL, by the behaviour count it comes from
HONEST_ACTIVITY = {"web_visits": "Web Visit", "pricing_views": "Pricing Page View",
                   "email_clicks": "Email Click", "downloads": "Content Download"}
DEMO_ACTIVITY, NO_ACTIVITY = "Demo Request", "Form Fill"
# overwrites after the outcome: value -> share among converted, share among the others
LAST_ACTIVITY_AFTER = {"Meeting Held": (0.34, 0.04), "Call Logged": (0.16, 0.09),
                       "Nurture Email Sent": (0.03, 0.24), None: (0.47, 0.63)}  # None: kept
CALL_CONNECTED = 0.8  # the SDR reaches this share of all leads, whatever the outcome
CALL_MEDIAN_MINUTES = {True: 22.0, False: 7.0}
CALL_SIGMA = {True: 0.45, False: 0.7}
CALL_MAX_MINUTES = 90
SCORE_GAIN_MEAN = {True: 30.0, False: 14.0}  # points from activities after the MQL
SCORE_GAIN_SHAPE = 2.0
SCORE_DECAY_MAX = 20.0  # inactivity decay, up to this many points, for both classes
# reps work most converted leads and some others; they fill ratings mostly for leads they work
WORKED = {True: 0.8, False: 0.22}
RATING_FILLED, PRIORITY_FILLED = (0.85, 0.05), (0.72, 0.05)  # share if worked, if not
RATING = {"Hot": (0.5, 0.1), "Warm": (0.35, 0.35), "Cold": (0.15, 0.55)}  # once filled
PRIORITY = {5.0: (0.37, 0.05), 4.0: (0.3, 0.15), 3.0: (0.18, 0.3), 2.0: (0.1, 0.28),
            1.0: (0.05, 0.22)}
DISPOSITION = {"Qualified - Passed to AE": (0.38, 0.03), "Follow Up Later": (0.20, 0.22),
               "Left Voicemail": (0.16, 0.22), "No Response": (0.10, 0.23),
               "Not a Fit": (0.02, 0.12), "Wrong Contact": (0.02, 0.05), None: (0.12, 0.13)}


def honest_last_activity(rng: np.random.Generator, leads: pd.DataFrame) -> np.ndarray:
    """The last marketing activity before the MQL: a demo request when there was one, else one
    of the counted behaviours drawn in proportion to its count."""
    counts = leads[list(HONEST_ACTIVITY)].to_numpy(dtype=float)
    total = counts.sum(axis=1)
    cumulative = np.cumsum(counts, axis=1) / np.maximum(total, 1)[:, None]
    index = np.minimum((rng.random(len(leads))[:, None] > cumulative).sum(axis=1),
                       len(HONEST_ACTIVITY) - 1)
    last = np.array(list(HONEST_ACTIVITY.values()), dtype=object)[index]
    last[total == 0] = NO_ACTIVITY
    last[leads["demo_requested"].to_numpy(dtype=bool)] = DEMO_ACTIVITY
    return last


def _filled_by_reps(rng: np.random.Generator, values: np.ndarray, worked: np.ndarray,
                    shares: tuple[float, float]) -> np.ndarray:
    """``values`` where a rep filled the field (more often for worked leads), else blank."""
    filled = rng.random(len(values)) < np.where(worked, shares[0], shares[1])
    out = values.astype(object)
    out[~filled] = None
    return out


def sales_fields(rng: np.random.Generator, leads: pd.DataFrame,
                 converted: np.ndarray) -> dict[str, np.ndarray]:
    """The post-outcome fields (internal names), one value per lead; NaN/None = blank."""
    n = len(leads)
    last = honest_last_activity(rng, leads)
    after = draw_by_outcome(rng, LAST_ACTIVITY_AFTER, converted)
    last = np.where(pd.isna(after), last, after)
    connected = rng.random(n) < CALL_CONNECTED
    median = np.where(converted, CALL_MEDIAN_MINUTES[True], CALL_MEDIAN_MINUTES[False])
    sigma = np.where(converted, CALL_SIGMA[True], CALL_SIGMA[False])
    minutes = np.minimum(np.ceil(median * np.exp(sigma * rng.normal(0, 1, n))), CALL_MAX_MINUTES)
    gain_mean = np.where(converted, SCORE_GAIN_MEAN[True], SCORE_GAIN_MEAN[False])
    gain = rng.gamma(SCORE_GAIN_SHAPE, gain_mean / SCORE_GAIN_SHAPE)
    score = leads["score_at_mql"].to_numpy() + gain - rng.uniform(0, SCORE_DECAY_MAX, n)
    worked = rng.random(n) < np.where(converted, WORKED[True], WORKED[False])
    rating = _filled_by_reps(rng, draw_by_outcome(rng, RATING, converted), worked, RATING_FILLED)
    priority = _filled_by_reps(rng, draw_by_outcome(rng, PRIORITY, converted), worked,
                               PRIORITY_FILLED)
    return {"last_activity": last,
            "call_minutes": np.where(connected, minutes, np.nan),
            "current_score": np.round(score),
            "rating": rating,
            "priority": pd.to_numeric(pd.Series(priority)).to_numpy(dtype=float),
            "disposition": draw_by_outcome(rng, DISPOSITION, converted)}


__all__ = ["sales_fields", "draw_by_outcome", "honest_last_activity"]
