"""Demo CRM history: leads, activities and outcomes generated from a documented causal story.

Each lead's true probability of becoming an SQL within 90 days of its MQL (``truth.csv``) is a
deterministic function of what the files show at its MQL moment: its leads row and its
activities with ``occurred_at <= mql_at`` (``true_probability``). Hidden variables drive how much
a lead does, but only the realised, written behaviour enters the probability, so a point-in-time
model can in principle reach the oracle. The story and its formula are in ``story.md``,
which ``write_demo`` copies into the README it writes.

Everything is vectorised (numpy draws per lead or per activity, never a Python loop over them).
Times are whole seconds (int64 since the epoch) until the frames are built.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from demodata.titles import draw_leads, softmax_choice, title_labels
from features import vocab

logger = logging.getLogger(__name__)

DEFAULT_LEADS = 20_000
DEFAULT_AS_OF = "2026-10-01"
DAY = 86_400  # seconds
HORIZON_DAYS = 90  # p_true is the chance of an SQL within this many days of mql_at
HISTORY_DAYS = 548  # MQLs spread over ~18 months before as_of ...
VOLUME_GROWTH = 2.2  # ... with this many times more MQLs a day at the end than at the start
PRE_MQL_MAX_DAYS = 180  # pre-MQL history reaches back at most this far
PRE_MQL_SHARE = 0.4  # share of activities_per_lead that happen before the MQL
WINDOW_DAYS = 90  # behaviour window of the story ...
RECENT_DAYS = 30  # ... and the recent window (demo requests, pricing page views)
_NA = np.iinfo(np.int64).min  # missing time in seconds (it is NaT as datetime64)
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

# --- how activities are drawn (none of this enters p_true directly) ----------------------------
class PreMqlType(NamedTuple):
    activity_type: str
    base: float  # relative mean count before the MQL
    intent: float  # sensitivity of the count to hidden intent
    browse: float  # sensitivity to hidden browsing volume (activity that predicts nothing)
    offset_days: float  # mean time before the lead's last pre-MQL activity


PRE_MQL_TYPES = (
    PreMqlType("page_view", 4.0, 0.15, 0.8, 25.0),
    PreMqlType("pricing_page_view", 0.5, 1.0, 0.0, 15.0),
    PreMqlType("content_download", 1.0, 0.3, 0.7, 25.0),
    PreMqlType("webinar_registered", 0.35, 0.3, 0.5, 30.0),
    PreMqlType("email_open", 3.5, 0.1, 0.9, 35.0),
    PreMqlType("email_reply", 0.12, 0.9, 0.0, 10.0),
    PreMqlType("form_submit", 0.6, 0.2, 0.3, 15.0),
    PreMqlType("demo_request", 0.15, 1.2, 0.0, 10.0),
    PreMqlType("trial_signup", 0.06, 0.8, 0.0, 12.0),
    PreMqlType("unsubscribe", 0.04, -0.6, 0.0, 40.0),
    PreMqlType("email_bounce", 0.03, 0.0, 0.0, 40.0),
)
# (child, parent, logit of P(child | parent) = a + b * intent, lag after the parent in days)
DERIVED_TYPES = (("email_click", "email_open", (-1.2, 0.9), (60 / DAY, 0.125)),
                 ("webinar_attended", "webinar_registered", (0.2, 0.8), (1.0, 14.0)))
NURTURE_MIX = {"email_open": 0.45, "email_click": 0.08, "page_view": 0.28, "content_download": 0.06,
               "webinar_registered": 0.03, "webinar_attended": 0.02, "pricing_page_view": 0.04,
               "form_submit": 0.04}
BURST_MIX = {"meeting_scheduled": 0.2, "demo_request": 0.25, "email_reply": 0.3,
             "pricing_page_view": 0.25}
EMAIL_ENGAGEMENT = ("email_open", "email_click", "email_reply")

_CODE = {t: i for i, t in enumerate(vocab.ACTIVITY_TYPES)}


@dataclass(frozen=True)
class DemoData:
    """The generated history. Timestamps are tz-aware UTC, strings ``str``, blanks missing.

    ``intercept`` is the calibrated intercept of the story:
    ``truth.p_true == true_probability(leads, activities, intercept)``.
    """

    leads: pd.DataFrame
    activities: pd.DataFrame
    outcomes: pd.DataFrame
    truth: pd.DataFrame
    as_of: pd.Timestamp
    intercept: float


class _Events(NamedTuple):
    lead: np.ndarray  # row position of the lead
    t: np.ndarray  # int64 seconds since the epoch
    code: np.ndarray  # index into vocab.ACTIVITY_TYPES
    stage: np.ndarray  # index into vocab.CONTENT_STAGES, -1 when not a download

    def select(self, mask: np.ndarray) -> _Events:
        return _Events(*(a[mask] for a in self))


def _concat(parts: list[_Events]) -> _Events:
    return _Events(*(np.concatenate(arrays) for arrays in zip(*parts, strict=True)))


# === the story: p_true from what is written ====================================================
def _behaviour(ev: _Events, mql_s: np.ndarray) -> dict[str, np.ndarray]:
    """Per-lead behaviour the story uses, from activities with ``t <= mql_at`` only."""
    n = len(mql_s)
    age = mql_s[ev.lead] - ev.t
    pre = age >= 0
    window = pre & (age <= WINDOW_DAYS * DAY)
    recent = pre & (age <= RECENT_DAYS * DAY)

    def count(mask: np.ndarray, *types: str) -> np.ndarray:
        m = mask & np.isin(ev.code, [_CODE[t] for t in types])
        return np.bincount(ev.lead[m], minlength=n)

    download = window & (ev.code == _CODE["content_download"])
    top, middle, bottom = (np.bincount(ev.lead[download & (ev.stage == k)], minlength=n)
                           for k in range(len(vocab.CONTENT_STAGES)))
    web = window & np.isin(ev.code, [_CODE["page_view"], _CODE["pricing_page_view"]])
    day = ev.t[web] // DAY
    visit_days = np.unique(ev.lead[web].astype(np.int64) * 1_000_000 + day - day.min(initial=0))
    last = np.full(n, _NA)
    np.maximum.at(last, ev.lead[pre], ev.t[pre])
    silence = np.where(last > _NA, (mql_s - last) / DAY, PRE_MQL_MAX_DAYS)
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


def _story_logit(leads: pd.DataFrame, b: dict[str, np.ndarray]) -> np.ndarray:
    """Logit of p_true without the intercept, from the leads rows and their behaviour ``b``."""
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
    return (fit_who_source_declared + multiplier * intent + SENIOR_DEMO_BONUS * (senior & demo)
            + negatives)


def _seconds(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, utc=True).to_numpy(dtype="datetime64[s]").astype(np.int64)


def true_logit(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.Series:
    """The story's logit of p_true WITHOUT the intercept, indexed like ``leads``.

    Args:
        leads: leads table of the contract (as generated, or read back from ``leads.csv``).
        activities: activities table. Rows after their lead's ``mql_at`` and rows of other leads
            are ignored, so the whole written file can be passed.
    """
    pos = pd.Index(leads["lead_id"]).get_indexer(activities["lead_id"])
    known = pos >= 0
    stages = activities.get("content_stage", pd.Series(np.nan, index=activities.index))
    ev = _Events(
        pos[known], _seconds(activities["occurred_at"])[known],
        pd.Categorical(activities["activity_type"], vocab.ACTIVITY_TYPES).codes[known],
        pd.Categorical(stages, vocab.CONTENT_STAGES).codes[known],
    )
    behaviour = _behaviour(ev, _seconds(leads["mql_at"]))
    return pd.Series(_story_logit(leads, behaviour), index=leads.index, name="logit")


def true_probability(leads: pd.DataFrame, activities: pd.DataFrame, intercept: float) -> pd.Series:
    """True P(SQL within 90 days of mql_at) of each lead, from what was known at its MQL moment.

    ``intercept`` is ``DemoData.intercept`` (also in the README written with the data). Indexed
    like ``leads``; see ``true_logit`` for the arguments.
    """
    return _expit(intercept + true_logit(leads, activities)).rename("p_true")


def _expit(x: _ArrayT) -> _ArrayT:
    return 1.0 / (1.0 + np.exp(-x))


def _calibrate_intercept(logit: np.ndarray, target: float) -> float:
    """Intercept b with mean(expit(b + logit)) == target (bisection; the mean is monotone in b)."""
    lo, hi = -30.0, 30.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if np.mean(_expit(mid + logit)) < target else (lo, mid)
    return (lo + hi) / 2


# === drawing the history ========================================================================
def _draw_mql_times(rng: np.random.Generator, n: int, as_of_s: int) -> np.ndarray:
    """Sorted MQL times (seconds) over HISTORY_DAYS before as_of, volume growing exponentially."""
    g = np.log(VOLUME_GROWTH)
    u = np.log1p(rng.random(n) * np.expm1(g)) / g
    return np.sort(as_of_s - np.ceil((1.0 - u) * HISTORY_DAYS * DAY).astype(np.int64))


def _choice_codes(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    codes = np.array([_CODE[t] for t in shares], dtype=np.int64)
    p = np.array(list(shares.values()))
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def _silence_seconds(rng: np.random.Generator, source: np.ndarray) -> np.ndarray:
    """Time from the last pre-MQL activity to the MQL moment: real-time scoring (minutes), a
    batch scoring run (days) or a list import / hand-off (weeks; most event leads)."""
    n = len(source)
    event, outbound = source == "event", source == "outbound"
    p_realtime = np.where(event, 0.15, 0.45)
    p_import = np.select([event, outbound], [0.5, 0.35], 0.15)
    u = rng.random(n)
    realtime = rng.uniform(0, 600, n)
    batch = np.minimum(rng.gamma(1.5, 2.5, n), 45.0) * DAY
    imported = rng.uniform(5, 45, n) * DAY
    gap = np.where(u < p_realtime, realtime, np.where(u < p_realtime + p_import, imported, batch))
    return np.rint(gap).astype(np.int64)


def _stage_logits(intent: np.ndarray, browse: np.ndarray) -> np.ndarray:
    """(top, middle, bottom) of funnel preference per lead: intent pulls to the bottom, browsing
    volume to the top."""
    return np.column_stack([0.6 - 0.7 * intent + 0.5 * browse, np.zeros_like(intent),
                            -0.8 + 0.9 * intent])


def _with_stages(rng: np.random.Generator, lead: np.ndarray, t: np.ndarray, code: np.ndarray,
                 stage_logits: np.ndarray) -> _Events:
    stage = np.full(len(lead), -1, dtype=np.int64)
    download = np.flatnonzero(code == _CODE["content_download"])
    stage[download] = softmax_choice(rng, stage_logits[lead[download]])
    return _Events(lead, t, code, stage)


def _first_opt_out(ev: _Events, n: int) -> np.ndarray:
    """Per lead: time of its first unsubscribe or email bounce (int64 max when none)."""
    opt_out = np.isin(ev.code, [_CODE["unsubscribe"], _CODE["email_bounce"]])
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, ev.lead[opt_out], ev.t[opt_out])
    return first


def _email_after_opt_out(ev: _Events, first_opt_out: np.ndarray) -> np.ndarray:
    email = np.isin(ev.code, [_CODE[t] for t in EMAIL_ENGAGEMENT])
    return email & (ev.t > first_opt_out[ev.lead])


def _draw_pre_mql(rng: np.random.Generator, mql_s: np.ndarray, source: np.ndarray,
                  intent: np.ndarray, stage_logits: np.ndarray, browse: np.ndarray,
                  mean_count: float) -> _Events:
    """Activities up to each lead's MQL moment; the last one comes ``silence`` before it."""
    n = len(mql_s)
    scale = mean_count / (sum(t.base for t in PRE_MQL_TYPES) * 1.12)  # ~12% more are derived
    counts = rng.poisson(np.column_stack([
        scale * t.base * np.exp(t.intent * intent - t.intent**2 / 2 + t.browse * browse
                                - t.browse**2 / 2) for t in PRE_MQL_TYPES]))
    names = [t.activity_type for t in PRE_MQL_TYPES]
    for once in ("unsubscribe", "email_bounce"):
        counts[:, names.index(once)] = np.minimum(counts[:, names.index(once)], 1)
    counts[counts.sum(axis=1) == 0, names.index("form_submit")] = 1  # the form that made the MQL
    gap = _silence_seconds(rng, source)
    cap = PRE_MQL_MAX_DAYS - gap / DAY

    # Offsets in days before the lead's last pre-MQL activity: mostly recent, some long history.
    blocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for j, spec in enumerate(PRE_MQL_TYPES):
        lead = np.repeat(np.arange(n), counts[:, j])
        k = len(lead)
        off = np.where(rng.random(k) < 0.15, rng.uniform(0, PRE_MQL_MAX_DAYS, k),
                       rng.exponential(spec.offset_days, k))
        off = np.where(off > cap[lead], rng.random(k) * cap[lead], off)
        blocks[spec.activity_type] = (lead, off, counts[:, j])
    for child, parent, (a, b), lag in DERIVED_TYPES:  # a click follows its open, etc.
        _, parent_off, parent_counts = blocks[parent]
        child_counts = rng.binomial(parent_counts, _expit(a + b * intent))
        lead = np.repeat(np.arange(n), child_counts)
        start = np.concatenate([[0], np.cumsum(parent_counts)[:-1]])
        chosen = start[lead] + (rng.random(len(lead)) * parent_counts[lead]).astype(np.int64)
        off = np.maximum(parent_off[chosen] - rng.uniform(*lag, len(lead)), 0.0)
        blocks[child] = (lead, off, child_counts)
    lead = np.concatenate([v[0] for v in blocks.values()])
    off = np.concatenate([v[1] for v in blocks.values()])
    code = np.concatenate([np.full(len(v[0]), _CODE[k]) for k, v in blocks.items()])
    latest = np.full(n, np.inf)
    np.minimum.at(latest, lead, off)  # shift so each lead's latest activity is exactly at t_last
    t = (mql_s - gap)[lead] - np.rint((off - latest[lead]) * DAY).astype(np.int64)
    ev = _with_stages(rng, lead, t, code, stage_logits)
    return ev.select(~_email_after_opt_out(ev, _first_opt_out(ev, n)))  # no email after opt-out


class _Outcomes(NamedTuple):
    sql_s: np.ndarray  # seconds, _NA = never converts
    disqualified_s: np.ndarray  # seconds, _NA = never disqualified
    converts: np.ndarray  # converts at some point (within the horizon or later)


def _draw_outcomes(rng: np.random.Generator, p: np.ndarray, mql_s: np.ndarray) -> _Outcomes:
    n = len(p)
    within = rng.random(n) < p
    lag = np.maximum(rng.gamma(1.6, 16.0, n), 2 / 24)  # days; median ~3 weeks
    lag = np.where(lag > HORIZON_DAYS - 1, rng.uniform(30, HORIZON_DAYS - 1, n), lag)
    late = ~within & (rng.random(n) < 0.05)
    lag = np.where(late, rng.uniform(HORIZON_DAYS + 1, 240, n), lag)
    converts = within | late
    disqualified = ~converts & (rng.random(n) < 0.30)
    disqualified_lag = np.rint(rng.uniform(5, 120, n) * DAY).astype(np.int64)
    return _Outcomes(np.where(converts, mql_s + np.rint(lag * DAY).astype(np.int64), _NA),
                     np.where(disqualified, mql_s + disqualified_lag, _NA), converts)


def _draw_post_mql(rng: np.random.Generator, mql_s: np.ndarray, intent: np.ndarray,
                   stage_logits: np.ndarray, out: _Outcomes, as_of_s: int, target: float,
                   pre: _Events) -> _Events:
    """After the MQL (up to as_of): nurture for everyone, a sales burst after sql_at, and some
    unsubscribes among leads that never convert. ``target``: activities wanted after the MQL."""
    n = len(mql_s)
    # The burst after the SQL moment: a meeting first, then more. What a leaky pipeline loves.
    burst = np.where(out.converts & (out.sql_s <= as_of_s), 1 + rng.poisson(3.5, n), 0)
    b_lead = np.repeat(np.arange(n), burst)
    b_code = _choice_codes(rng, BURST_MIX, len(b_lead))
    b_code[np.concatenate([[0], np.cumsum(burst)[:-1]])[burst > 0]] = _CODE["meeting_scheduled"]
    b_t = out.sql_s[b_lead] + np.rint(rng.uniform(0.02, 21, len(b_lead)) * DAY).astype(np.int64)
    u_lead = np.flatnonzero(~out.converts & (rng.random(n) < 0.10))
    u_t = mql_s[u_lead] + np.rint(rng.uniform(1, 120, len(u_lead)) * DAY).astype(np.int64)
    # Nurture: truncated-exponential times after the MQL, drawn only up to as_of.
    tau, span = 45.0, np.minimum(PRE_MQL_MAX_DAYS, (as_of_s - mql_s) / DAY)
    weight = (np.where(out.converts, 1.5, 1.0) * np.exp(0.3 * intent - 0.045)
              * np.expm1(-span / tau) / np.expm1(-PRE_MQL_MAX_DAYS / tau))
    wanted = max(target - np.count_nonzero(b_t <= as_of_s) - len(u_lead), 0.0)
    lead = np.repeat(np.arange(n), rng.poisson(wanted / weight.sum() * weight))
    off = -tau * np.log1p(rng.random(len(lead)) * np.expm1(-span[lead] / tau))
    t = mql_s[lead] + np.maximum(np.rint(off * DAY).astype(np.int64), 1)
    post = _with_stages(
        rng, np.concatenate([lead, b_lead, u_lead]), np.concatenate([t, b_t, u_t]),
        np.concatenate([_choice_codes(rng, NURTURE_MIX, len(lead)), b_code,
                        np.full(len(u_lead), _CODE["unsubscribe"])]), stage_logits)
    # After an opt-out (before or after the MQL) a lead reads no more email but still visits.
    silenced = _email_after_opt_out(post, _first_opt_out(_concat([pre, post]), n))
    post = post._replace(code=np.where(silenced, _CODE["page_view"], post.code))
    return post.select(post.t <= as_of_s)


# === frames and files ===========================================================================
def _stamps(seconds: np.ndarray) -> pd.Series:
    """int64 seconds (_NA = missing) -> tz-aware UTC datetimes."""
    return pd.Series(seconds.astype("datetime64[s]").astype("datetime64[us]")).dt.tz_localize("UTC")


def generate_demo(
    n_leads: int = DEFAULT_LEADS,
    seed: int = 42,
    as_of: str | pd.Timestamp = DEFAULT_AS_OF,
    conversion_rate: float = 0.13,
    activities_per_lead: float = 30.0,
) -> DemoData:
    """Generate a demo CRM history in memory; the same arguments give the same data.

    Args:
        n_leads: number of MQLs, spread over ~18 months before ``as_of``, volume growing.
        seed: seed of ``numpy.random.default_rng``.
        as_of: the export moment (naive = UTC); nothing after it is in the data.
        conversion_rate: target mean of p_true (the intercept is calibrated to it).
        activities_per_lead: mean number of activities per lead, before and after the MQL.
    """
    if n_leads < 1 or not 0 < conversion_rate < 1 or activities_per_lead <= 1:
        raise ValueError("need n_leads >= 1, 0 < conversion_rate < 1, activities_per_lead > 1")
    stamp = pd.Timestamp(as_of)
    as_of_ts = (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC"))
    as_of_ts = as_of_ts.floor("s")
    as_of_s = int(as_of_ts.value // 10**9)
    rng = np.random.default_rng(seed)

    mql_s = _draw_mql_times(rng, n_leads, as_of_s)
    leads, intent = draw_leads(rng, _stamps(mql_s))
    browse = rng.normal(size=n_leads)
    stage_logits = _stage_logits(intent, browse)
    pre = _draw_pre_mql(rng, mql_s, leads["source"].to_numpy(dtype=object), intent, stage_logits,
                        browse, PRE_MQL_SHARE * activities_per_lead)
    logit = _story_logit(leads, _behaviour(pre, mql_s))
    intercept = _calibrate_intercept(logit, conversion_rate)
    p_true = _expit(intercept + logit)
    out = _draw_outcomes(rng, p_true, mql_s)
    post = _draw_post_mql(rng, mql_s, intent, stage_logits, out, as_of_s,
                          activities_per_lead * n_leads - len(pre.lead), pre)
    ev = _concat([pre, post])
    ev = ev.select(np.lexsort((ev.t, ev.lead)))

    activities = pd.DataFrame({
        "lead_id": pd.array(leads["lead_id"].to_numpy(), dtype="str").take(ev.lead),
        "occurred_at": _stamps(ev.t),
        "activity_type": pd.array(np.array(vocab.ACTIVITY_TYPES), dtype="str").take(ev.code),
        "content_stage": pd.array(np.array(vocab.CONTENT_STAGES), dtype="str").take(
            ev.stage, allow_fill=True),
    })
    outcomes = pd.DataFrame({
        "lead_id": leads["lead_id"],
        "sql_at": _stamps(np.where(out.sql_s <= as_of_s, out.sql_s, _NA)),
        "disqualified_at": _stamps(np.where(out.disqualified_s <= as_of_s, out.disqualified_s,
                                            _NA)),
    })
    labels = title_labels(leads["job_title"])
    truth = pd.DataFrame({"lead_id": leads["lead_id"], "p_true": p_true,
                          "seniority_true": labels["seniority"],
                          "function_true": labels["function"]})
    logger.info("generated %d demo leads, %d activities (seed %d, as_of %s, intercept %.4f)",
                n_leads, len(activities), seed, as_of_ts.isoformat(), intercept)
    return DemoData(leads, activities, outcomes, truth, as_of_ts, intercept)


def cohort_conversion_rate(data: DemoData) -> tuple[float, int]:
    """Realised 90-day conversion rate of the leads whose horizon has passed (``mql_at <= as_of -
    90 days``: no censoring) and how many such leads there are."""
    mql = data.leads["mql_at"]
    horizon = pd.Timedelta(days=HORIZON_DAYS)
    cohort = (mql <= data.as_of - horizon).to_numpy()
    converted = ((data.outcomes["sql_at"] - mql) <= horizon).to_numpy()
    n = int(cohort.sum())
    return (float(converted[cohort].mean()) if n else float("nan")), n


@functools.cache
def _time_of_day_text() -> pa.Array:
    """"T00:00:00Z" ... "T23:59:59Z", one per second of the day."""
    text = pa.array(np.datetime_as_string(np.arange(DAY).astype("datetime64[s]"), unit="s"))
    return pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 10), "Z", "")


def _iso_text(column: pd.Series) -> pa.Array:
    """tz-aware UTC datetimes -> "2026-03-04T10:15:00Z" (null when missing).

    Assembled from per-day and per-second-of-day lookup tables: ~3x faster than formatting
    every value with ``np.datetime_as_string``, far faster than ``.dt.strftime``.
    """
    values = column.to_numpy(dtype="datetime64[s]")
    missing = np.isnat(values)
    day, second = np.divmod(np.where(missing, 0, values.astype(np.int64)), DAY)
    days, which = np.unique(day, return_inverse=True)
    day_text = pa.array(np.datetime_as_string(days.astype("datetime64[D]")))
    text = pc.binary_join_element_wise(day_text.take(which), _time_of_day_text().take(second), "")
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), text)


def _write_csv(frame: pd.DataFrame, path: Path, *, plain: bool = False) -> None:
    """Write ``frame`` with ISO timestamps and empty fields for missing values.

    ``plain``: no value can need quoting (ids, vocabulary words, timestamps), so Arrow's CSV
    writer does it: ~20x faster than pandas, and it raises rather than write a broken row.
    """
    text = {name: _iso_text(col) if isinstance(col.dtype, pd.DatetimeTZDtype) else col
            for name, col in frame.items()}
    if plain:
        table = pa.table({name: col if isinstance(col, pa.Array) else pa.Array.from_pandas(col)
                          for name, col in text.items()})
        with path.open("wb") as out:
            out.write((",".join(frame.columns) + "\n").encode())
            pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False,
                                                             quoting_style="none"))
        return
    formatted = pd.DataFrame({name: col.to_pandas().set_axis(frame.index)
                              if isinstance(col, pa.Array) else col for name, col in text.items()})
    formatted.to_csv(path, index=False, lineterminator="\n")


def _readme(data: DemoData, seed: int, conversion_rate: float, activities_per_lead: float) -> str:
    story = resources.files("demodata").joinpath("story.md").read_text(encoding="utf-8")
    rate, cohort = cohort_conversion_rate(data)
    rows = [
        ("leads", f"{len(data.leads):,}"), ("activities", f"{len(data.activities):,}"),
        ("seed", str(seed)), ("as_of", data.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("target conversion rate (mean p_true)", f"{conversion_rate:.4f}"),
        ("mean p_true", f"{data.truth['p_true'].mean():.4f}"),
        ("intercept b0 of the logit", f"{data.intercept:.6f}"),
        ("activities per lead (parameter)", f"{activities_per_lead:g}"),
        (f"realised {HORIZON_DAYS}-day conversion rate",
         f"{rate:.4f} (the {cohort:,} leads with mql_at <= as_of - {HORIZON_DAYS} days)"),
    ]
    table = "\n".join(f"| {k} | {v} |" for k, v in rows)
    return f"{story.rstrip()}\n\n## This data set\n\n| parameter | value |\n|---|---|\n{table}\n"


def write_demo(
    out_dir: str | Path,
    n_leads: int = DEFAULT_LEADS,
    seed: int = 42,
    as_of: str | pd.Timestamp = DEFAULT_AS_OF,
    conversion_rate: float = 0.13,
    activities_per_lead: float = 30.0,
) -> DemoData:
    """Generate the demo history (``generate_demo``), write it into ``out_dir`` and return it.

    Writes leads.csv, activities.csv, outcomes.csv, truth.csv (timestamps ISO 8601 UTC with a
    ``Z``, blanks as empty fields) and README.md (the story plus this data set's parameters).
    The same arguments give byte-identical files.
    """
    data = generate_demo(n_leads, seed, as_of, conversion_rate, activities_per_lead)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("leads", "activities", "outcomes", "truth"):
        _write_csv(getattr(data, name), out / f"{name}.csv", plain=name == "activities")
    (out / "README.md").write_text(_readme(data, seed, conversion_rate, activities_per_lead),
                                   encoding="utf-8")
    logger.info("wrote demo data to %s", out)
    return data


def data_folder(data_dir: str | Path | None, workdir: str | Path, demo_leads: int = 20_000,
                seed: int = 42) -> Path:
    """``data_dir``, or (None) a demo history in ``<workdir>/demo-data``, written once."""
    if data_dir is not None:
        return Path(data_dir)
    folder = Path(workdir) / "demo-data"
    if not (folder / "leads.csv").exists():
        write_demo(folder, n_leads=demo_leads, seed=seed)
    return folder
