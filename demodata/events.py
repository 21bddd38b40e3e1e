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

import logging
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from demodata.drift import Drift, after_change, shift_sources, thin_pricing
from demodata.titles import draw_leads, softmax_choice, title_labels
from demodata.truth import (
    DAY,
    HORIZON_DAYS,
    NO_TIME,
    PRE_MQL_MAX_DAYS,
    TYPE_CODE,
    Events,
    calibrate_intercept,
    concat_events,
    expit,
    pre_mql_behaviour,
    story_logit,
)
from features import vocab

logger = logging.getLogger(__name__)

DEFAULT_LEADS = 20_000
DEFAULT_AS_OF = "2026-10-01"
HISTORY_DAYS = 548  # MQLs spread over ~18 months before as_of ...
VOLUME_GROWTH = 2.2  # ... with this many times more MQLs a day at the end than at the start
PRE_MQL_SHARE = 0.4  # share of activities_per_lead that happen before the MQL


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


@dataclass(frozen=True)
class DemoData:
    """The generated history. Timestamps are tz-aware UTC, strings ``str``, blanks missing.

    ``intercept`` is the calibrated intercept of the story:
    ``truth.p_true == true_probability(leads, activities, intercept)``; with a drift
    (``demodata.drift``), leads with ``mql_at >= change_at`` add ``intercept_shift`` to it.
    """

    leads: pd.DataFrame
    activities: pd.DataFrame
    outcomes: pd.DataFrame
    truth: pd.DataFrame
    as_of: pd.Timestamp
    intercept: float
    change_at: pd.Timestamp | None = None
    intercept_shift: float = 0.0


# === drawing the history ========================================================================
def _draw_mql_times(rng: np.random.Generator, n: int, as_of_s: int) -> np.ndarray:
    """Sorted MQL times (seconds) over HISTORY_DAYS before as_of, volume growing exponentially."""
    g = np.log(VOLUME_GROWTH)
    u = np.log1p(rng.random(n) * np.expm1(g)) / g
    return np.sort(as_of_s - np.ceil((1.0 - u) * HISTORY_DAYS * DAY).astype(np.int64))


def _choice_codes(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    codes = np.array([TYPE_CODE[t] for t in shares], dtype=np.int64)
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
                 stage_logits: np.ndarray) -> Events:
    stage = np.full(len(lead), -1, dtype=np.int64)
    download = np.flatnonzero(code == TYPE_CODE["content_download"])
    stage[download] = softmax_choice(rng, stage_logits[lead[download]])
    return Events(lead, t, code, stage)


def _first_opt_out(ev: Events, n: int) -> np.ndarray:
    """Per lead: time of its first unsubscribe or email bounce (int64 max when none)."""
    opt_out = np.isin(ev.code, [TYPE_CODE["unsubscribe"], TYPE_CODE["email_bounce"]])
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, ev.lead[opt_out], ev.t[opt_out])
    return first


def _email_after_opt_out(ev: Events, first_opt_out: np.ndarray) -> np.ndarray:
    email = np.isin(ev.code, [TYPE_CODE[t] for t in EMAIL_ENGAGEMENT])
    return email & (ev.t > first_opt_out[ev.lead])


def _draw_pre_mql(rng: np.random.Generator, mql_s: np.ndarray, source: np.ndarray,
                  intent: np.ndarray, stage_logits: np.ndarray, browse: np.ndarray,
                  mean_count: float) -> Events:
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
        child_counts = rng.binomial(parent_counts, expit(a + b * intent))
        lead = np.repeat(np.arange(n), child_counts)
        start = np.concatenate([[0], np.cumsum(parent_counts)[:-1]])
        chosen = start[lead] + (rng.random(len(lead)) * parent_counts[lead]).astype(np.int64)
        off = np.maximum(parent_off[chosen] - rng.uniform(*lag, len(lead)), 0.0)
        blocks[child] = (lead, off, child_counts)
    lead = np.concatenate([v[0] for v in blocks.values()])
    off = np.concatenate([v[1] for v in blocks.values()])
    code = np.concatenate([np.full(len(v[0]), TYPE_CODE[k]) for k, v in blocks.items()])
    latest = np.full(n, np.inf)
    np.minimum.at(latest, lead, off)  # shift so each lead's latest activity is exactly at t_last
    t = (mql_s - gap)[lead] - np.rint((off - latest[lead]) * DAY).astype(np.int64)
    ev = _with_stages(rng, lead, t, code, stage_logits)
    return ev.select(~_email_after_opt_out(ev, _first_opt_out(ev, n)))  # no email after opt-out


class _Outcomes(NamedTuple):
    sql_s: np.ndarray  # seconds, NO_TIME = never converts
    disqualified_s: np.ndarray  # seconds, NO_TIME = never disqualified
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
    return _Outcomes(np.where(converts, mql_s + np.rint(lag * DAY).astype(np.int64), NO_TIME),
                     np.where(disqualified, mql_s + disqualified_lag, NO_TIME), converts)


def _draw_post_mql(rng: np.random.Generator, mql_s: np.ndarray, intent: np.ndarray,
                   stage_logits: np.ndarray, out: _Outcomes, as_of_s: int, target: float,
                   pre: Events) -> Events:
    """After the MQL (up to as_of): nurture for everyone, a sales burst after sql_at, and some
    unsubscribes among leads that never convert. ``target``: activities wanted after the MQL."""
    n = len(mql_s)
    # The burst after the SQL moment: a meeting first, then more. What a leaky pipeline loves.
    burst = np.where(out.converts & (out.sql_s <= as_of_s), 1 + rng.poisson(3.5, n), 0)
    b_lead = np.repeat(np.arange(n), burst)
    b_code = _choice_codes(rng, BURST_MIX, len(b_lead))
    b_code[np.concatenate([[0], np.cumsum(burst)[:-1]])[burst > 0]] = TYPE_CODE["meeting_scheduled"]
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
                        np.full(len(u_lead), TYPE_CODE["unsubscribe"])]), stage_logits)
    # After an opt-out (before or after the MQL) a lead reads no more email but still visits.
    silenced = _email_after_opt_out(post, _first_opt_out(concat_events([pre, post]), n))
    post = post._replace(code=np.where(silenced, TYPE_CODE["page_view"], post.code))
    return post.select(post.t <= as_of_s)


# === frames and files ===========================================================================
def _stamps(seconds: np.ndarray) -> pd.Series:
    """int64 seconds (NO_TIME = missing) -> tz-aware UTC datetimes."""
    return pd.Series(seconds.astype("datetime64[s]").astype("datetime64[us]")).dt.tz_localize("UTC")


def generate_demo(
    n_leads: int = DEFAULT_LEADS,
    seed: int = 42,
    as_of: str | pd.Timestamp = DEFAULT_AS_OF,
    conversion_rate: float = 0.13,
    activities_per_lead: float = 30.0,
    drift: Drift | None = None,
) -> DemoData:
    """Generate a demo CRM history in memory; the same arguments give the same data.

    Args:
        n_leads: number of MQLs, spread over ~18 months before ``as_of``, volume growing.
        seed: seed of ``numpy.random.default_rng``.
        as_of: the export moment (naive = UTC); nothing after it is in the data.
        conversion_rate: target mean of p_true (the intercept is calibrated to it).
        activities_per_lead: mean number of activities per lead, before and after the MQL.
        drift: a shift of sources, behaviour and conversion after a date (``demodata.drift``);
            the intercept is then calibrated on the leads before it.
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
    change_s, after, shift = None, np.zeros(n_leads, dtype=bool), 0.0
    drift_rng = np.random.default_rng([seed, 1])  # its own stream: the rest is drawn as without
    original = leads
    if drift is not None:
        change_s, shift = drift.change_seconds(as_of_ts), drift.intercept_shift
        after = after_change(mql_s, change_s)
        leads = shift_sources(drift_rng, leads, after, drift.switch)
    browse = rng.normal(size=n_leads)
    stage_logits = _stage_logits(intent, browse)
    pre = _draw_pre_mql(rng, mql_s, original["source"].to_numpy(dtype=object), intent,
                        stage_logits, browse, PRE_MQL_SHARE * activities_per_lead)
    # the intercept of the history without drift, so the leads before the change stay as they are
    intercept = calibrate_intercept(story_logit(original, pre_mql_behaviour(pre, mql_s)),
                                    conversion_rate)
    if drift is not None:
        pre = thin_pricing(drift_rng, pre, after, drift.pricing_kept)
    logit = story_logit(leads, pre_mql_behaviour(pre, mql_s))
    p_true = expit(intercept + logit + shift * after)
    out = _draw_outcomes(rng, p_true, mql_s)
    post = _draw_post_mql(rng, mql_s, intent, stage_logits, out, as_of_s,
                          activities_per_lead * n_leads - len(pre.lead), pre)
    ev = concat_events([pre, post])
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
        "sql_at": _stamps(np.where(out.sql_s <= as_of_s, out.sql_s, NO_TIME)),
        "disqualified_at": _stamps(np.where(out.disqualified_s <= as_of_s, out.disqualified_s,
                                            NO_TIME)),
    })
    labels = title_labels(leads["job_title"])
    truth = pd.DataFrame({"lead_id": leads["lead_id"], "p_true": p_true,
                          "seniority_true": labels["seniority"],
                          "function_true": labels["function"]})
    logger.info("generated %d demo leads, %d activities (seed %d, as_of %s, intercept %.4f)",
                n_leads, len(activities), seed, as_of_ts.isoformat(), intercept)
    change_at = None if change_s is None else _stamps(np.array([change_s]))[0]
    return DemoData(leads, activities, outcomes, truth, as_of_ts, intercept, change_at, shift)


def cohort_conversion_rate(data: DemoData) -> tuple[float, int]:
    """Realised 90-day conversion rate of the leads whose horizon has passed (``mql_at <= as_of -
    90 days``: no censoring) and how many such leads there are."""
    mql = data.leads["mql_at"]
    horizon = pd.Timedelta(days=HORIZON_DAYS)
    cohort = (mql <= data.as_of - horizon).to_numpy()
    converted = ((data.outcomes["sql_at"] - mql) <= horizon).to_numpy()
    n = int(cohort.sum())
    return (float(converted[cohort].mean()) if n else float("nan")), n
