"""The demo's causal story as a formula: each lead's true probability of becoming an SQL within
90 days of its MQL, from what its files show at that moment (its leads row and its activities
with ``occurred_at <= mql_at``). ``story.md`` tells the same story in words; ``demodata.events``
draws a history from it.
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

from demodata.titles import title_labels
from features import vocab

DAY = 86_400  # seconds
PRE_MQL_MAX_DAYS = 180  # pre-MQL history reaches back at most this far
NO_TIME = np.iinfo(np.int64).min  # missing time in seconds (it is NaT as datetime64)
HORIZON_DAYS = 90  # p_true is the chance of an SQL within this many days of mql_at
WINDOW_DAYS = 90  # behaviour window of the story ...
RECENT_DAYS = 30  # ... and the recent window (demo requests, pricing page views)
TYPE_CODE = {t: i for i, t in enumerate(vocab.ACTIVITY_TYPES)}
_ArrayT = TypeVar("_ArrayT", np.ndarray, pd.Series)


# --- the causal story: logit contributions (story.md explains each) ------------------------
ICP_INDUSTRIES = ("software", "financial_services", "professional_services", "healthcare")
INDUSTRY_EFFECT = {
    "software": 0.4, "financial_services": 0.4, "professional_services": 0.4, "healthcare": 0.4,
    "manufacturing": 0.2, "energy": 0.0, "logistics": 0.0, "media": -0.2, "retail": -0.3,
    "education": -0.6, "government": -0.6, "nonprofit": -0.6,
}
BLANK_INDUSTRY_EFFECT = -0.1
SIZE_PEAK_LOG10, SIZE_PEAK_EFFECT, SIZE_CURVATURE, SIZE_FLOOR = 2.5, 0.6, 0.6, -0.9
SENIORITY_EFFECT = {
    "c_level": 0.3, "vp": 0.5, "director": 0.4, "manager": 0.2, "individual_contributor": -0.7,
    "unknown": -0.2,
}
SOURCE_EFFECT = {
    "referral": 1.2, "partner": 0.7, "event": 0.6, "direct": 0.0, "organic_search": 0.0,
    "outbound": 0.0, "email": 0.0, "paid_search": -0.5, "social": -0.9,
}
TIMEFRAME_EFFECT = {
    "0-3 months": 1.1, "3-6 months": 0.4, "6-12 months": 0.0, "12+ months": -0.8,
    "no timeline": -1.1,
}
BUDGET_THRESHOLD, BUDGET_AT_LEAST, BUDGET_BELOW = 25_000.0, 0.8, -0.4
PAIN_EFFECT = {
    "reporting automation": 0.5, "pipeline visibility": 0.5, "data integration": 0.0,
    "compliance": 0.0, "cost reduction": 0.0, "just researching": -1.1,
}
INTENT_EFFECT = {  # summed into the intent score, which the fit multiplier scales
    "demo_request_30d": 1.0, "log1p_pricing_30d": 0.45, "log1p_bottom_content_90d": 0.35,
    "returning_visitor_90d": 0.35, "webinar_attended_90d": 0.45, "clicks_per_open_90d": 0.8,
    "email_reply_90d": 0.7, "trial_signup_90d": 0.6,
}
INTENT_MULTIPLIER = {"icp": 1.6, "other": 0.45, "blank": 1.0}  # by industry
SENIOR_DEMO_BONUS = 0.6  # c_level / vp / director with a demo request in the last 30 days
TOP_ONLY_EFFECT = -0.6  # content downloads in the last 90 days, all top of funnel
UNSUBSCRIBE_EFFECT, BOUNCE_EFFECT = -1.2, -1.0  # ever, before the MQL
SILENCE_COEF, SILENCE_SCALE_DAYS = -0.9, 2.0  # SILENCE_COEF * log1p(silence_days / scale)


class Events(NamedTuple):
    lead: np.ndarray  # row position of the lead
    t: np.ndarray  # int64 seconds since the epoch
    code: np.ndarray  # index into vocab.ACTIVITY_TYPES
    stage: np.ndarray  # index into vocab.CONTENT_STAGES, -1 when not a download

    def select(self, mask: np.ndarray) -> Events:
        return Events(*(a[mask] for a in self))


def concat_events(parts: list[Events]) -> Events:
    return Events(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))


# === the story: p_true from what is written ====================================================
def pre_mql_behaviour(ev: Events, mql_s: np.ndarray) -> dict[str, np.ndarray]:
    """Per-lead behaviour the story uses, from activities with ``t <= mql_at`` only."""
    n = len(mql_s)
    age = mql_s[ev.lead] - ev.t
    pre = age >= 0
    window = pre & (age <= WINDOW_DAYS * DAY)
    recent = pre & (age <= RECENT_DAYS * DAY)

    def count(mask: np.ndarray, *types: str) -> np.ndarray:
        m = mask & np.isin(ev.code, [TYPE_CODE[t] for t in types])
        return np.bincount(ev.lead[m], minlength=n)

    download = window & (ev.code == TYPE_CODE["content_download"])
    top, middle, bottom = (np.bincount(ev.lead[download & (ev.stage == k)], minlength=n)
                           for k in range(len(vocab.CONTENT_STAGES)))
    web = window & np.isin(ev.code, [TYPE_CODE["page_view"], TYPE_CODE["pricing_page_view"]])
    day = ev.t[web] // DAY
    visit_days = np.unique(ev.lead[web].astype(np.int64) * 1_000_000 + day - day.min(initial=0))
    last = np.full(n, NO_TIME)
    np.maximum.at(last, ev.lead[pre], ev.t[pre])
    silence = np.where(last > NO_TIME, (mql_s - last) / DAY, PRE_MQL_MAX_DAYS)
    opens, clicks = count(window, "email_open"), count(window, "email_click")
    return {
        "demo_requests_30d": count(recent, "demo_request"),
        "pricing_30d": count(recent, "pricing_page_view"),
        "top_90d": top, "middle_90d": middle, "bottom_90d": bottom,
        "visit_days_90d": np.bincount(visit_days // 1_000_000, minlength=n),
        "webinars_attended_90d": count(window, "webinar_attended"),
        "clicks_per_open_90d": np.minimum(clicks / np.maximum(opens, 1), 1.0),  # 0 without opens
        "replies_90d": count(window, "email_reply"),
        "trials_90d": count(window, "trial_signup"),
        "unsubscribed": count(pre, "unsubscribe") > 0,
        "bounced": count(pre, "email_bounce") > 0,
        "silence_days": np.clip(silence, 0.0, PRE_MQL_MAX_DAYS),
    }


def story_logit(leads: pd.DataFrame, b: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of p_true without the intercept, from the leads rows and their behaviour ``b``."""
    parts = story_parts(leads, b)
    return parts["fit"] + parts["engagement"] + parts["interaction"]


def story_parts(leads: pd.DataFrame, b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The story's logit in three parts: ``fit`` (who the lead is: firmographics, seniority,
    source, declared answers), ``engagement`` (what it did, at the multiplier of an ICP lead)
    and ``interaction`` (how much the lead's own fit changes what its behaviour is worth)."""
    seniority = title_labels(leads["job_title"])["seniority"]
    industry = leads["industry"]
    size = pd.to_numeric(leads["company_size"]).to_numpy(dtype="float64", na_value=np.nan)
    log_size = np.log10(np.maximum(np.nan_to_num(size, nan=1.0), 1.0))
    size_effect = np.maximum(SIZE_PEAK_EFFECT - SIZE_CURVATURE * (log_size - SIZE_PEAK_LOG10) ** 2,
                             SIZE_FLOOR)
    budget = pd.to_numeric(leads["budget"]).to_numpy(dtype="float64", na_value=np.nan)

    def effect(column: pd.Series, table: dict[str, float], blank: float = 0.0) -> np.ndarray:
        return column.map(table).astype("float64").fillna(blank).to_numpy()

    fit_who_source_declared = (
        effect(industry, INDUSTRY_EFFECT, BLANK_INDUSTRY_EFFECT)
        + np.where(np.isnan(size), 0.0, size_effect)
        + effect(seniority, SENIORITY_EFFECT)
        + effect(leads["source"], SOURCE_EFFECT)
        + effect(leads["purchase_timeframe"], TIMEFRAME_EFFECT)
        + np.select([budget >= BUDGET_THRESHOLD, budget < BUDGET_THRESHOLD],
                    [BUDGET_AT_LEAST, BUDGET_BELOW], 0.0)
        + effect(leads["pain_point"], PAIN_EFFECT)
    )
    e = INTENT_EFFECT
    demo = b["demo_requests_30d"] >= 1
    intent = (
        e["demo_request_30d"] * demo
        + e["log1p_pricing_30d"] * np.log1p(b["pricing_30d"])
        + e["log1p_bottom_content_90d"] * np.log1p(b["bottom_90d"])
        + e["returning_visitor_90d"] * (b["visit_days_90d"] >= 2)
        + e["webinar_attended_90d"] * (b["webinars_attended_90d"] >= 1)
        + e["clicks_per_open_90d"] * b["clicks_per_open_90d"]
        + e["email_reply_90d"] * (b["replies_90d"] >= 1)
        + e["trial_signup_90d"] * (b["trials_90d"] >= 1)
    )
    multiplier = np.select([industry.isin(ICP_INDUSTRIES).to_numpy(), industry.isna().to_numpy()],
                           [INTENT_MULTIPLIER["icp"], INTENT_MULTIPLIER["blank"]],
                           INTENT_MULTIPLIER["other"])
    senior = seniority.isin(("c_level", "vp", "director")).to_numpy()
    top_only = (b["top_90d"] > 0) & (b["middle_90d"] == 0) & (b["bottom_90d"] == 0)
    negatives = (
        TOP_ONLY_EFFECT * top_only
        + UNSUBSCRIBE_EFFECT * b["unsubscribed"] + BOUNCE_EFFECT * b["bounced"]
        + SILENCE_COEF * np.log1p(b["silence_days"] / SILENCE_SCALE_DAYS)
    )
    icp = INTENT_MULTIPLIER["icp"]
    return {"fit": fit_who_source_declared,
            "engagement": icp * intent + negatives,
            "interaction": (multiplier - icp) * intent + SENIOR_DEMO_BONUS * (senior & demo)}


def _seconds(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).to_numpy(dtype="datetime64[s]").astype(np.int64)


def true_parts(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """``story_parts`` of each lead (columns fit, engagement, interaction), indexed like
    ``leads``; the arguments are those of ``true_logit``."""
    return pd.DataFrame(story_parts(leads, _behaviour(leads, activities)), index=leads.index)


def _behaviour(leads: pd.DataFrame, activities: pd.DataFrame) -> dict[str, np.ndarray]:
    pos = pd.Index(leads["lead_id"]).get_indexer(activities["lead_id"])
    known = pos >= 0
    stages = activities.get("content_stage", pd.Series(np.nan, index=activities.index))
    ev = Events(
        pos[known], _seconds(activities["occurred_at"])[known],
        pd.Categorical(activities["activity_type"], vocab.ACTIVITY_TYPES).codes[known],
        pd.Categorical(stages, vocab.CONTENT_STAGES).codes[known],
    )
    return pre_mql_behaviour(ev, _seconds(leads["mql_at"]))


def true_logit(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.Series:
    """The story's logit of p_true WITHOUT the intercept, indexed like ``leads``.

    Args:
        leads: leads table of the contract (as generated, or read back from ``leads.csv``).
        activities: activities table. Rows after their lead's ``mql_at`` and rows of other leads
            are ignored, so the whole written file can be passed.
    """
    return pd.Series(story_logit(leads, _behaviour(leads, activities)), index=leads.index,
                     name="logit")


def true_probability(leads: pd.DataFrame, activities: pd.DataFrame, intercept: float) -> pd.Series:
    """True P(SQL within 90 days of mql_at) of each lead, from what was known at its MQL moment.

    ``intercept`` is ``DemoData.intercept`` (also in the README written with the data). Indexed
    like ``leads``; see ``true_logit`` for the arguments.
    """
    return expit(intercept + true_logit(leads, activities)).rename("p_true")


def expit(x: _ArrayT) -> _ArrayT:
    return 1.0 / (1.0 + np.exp(-x))


def calibrate_intercept(logit: np.ndarray, target: float) -> float:
    """Intercept b with mean(expit(b + logit)) == target (bisection; the mean is monotone in b)."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(expit(mid + logit)) < target else (lo, mid)
    return (lo + hi) / 2


