"""The vendor demo's story: who the leads are, what they did before the MQL, and ``p_true``.

A generator of its own, independent of ``demodata.events``: a B2B software company whose CRM is
synced to a warehouse. Over two years its sales development team grew and got faster, so the
same kind of lead converts far more often in the newest months than in the oldest: the intercept
of the true logit moves with time, and no column says why. Lead sources shift as well (paid
social grows from a small share to a quarter of the MQLs, and converts badly).

Everything in the honest logit is a column of the export, known at the MQL moment; a latent
intent per lead only makes the behaviour columns move together. ``p_true`` is the chance of an
SQL within ``HORIZON_DAYS`` of the MQL, the drift included, and the label is drawn from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from demodata.draws import effect, pick

HORIZON_DAYS = 90
WINDOW_DAYS = 730  # ~24 months of MQLs, ending HORIZON_DAYS before as_of
VOLUME_GROWTH = 1.6  # MQLs per day in the newest month / in the oldest
START_RATE, END_RATE = 0.06, 0.25  # rate of the average lead mix at the start / end of the window
DAY_SECONDS = 86_400
OFFICE_HOURS_SHARE, OFFICE_PEAK_HOUR, OFFICE_SD_HOURS = 0.75, 14.0, 3.0  # UTC hour of the MQL
# lead source: share at the start of the window, share at the end, logit effect
SOURCES = {"Web": (0.30, 0.21, 0.0), "Paid Search": (0.18, 0.15, -0.15),
           "Paid Social": (0.06, 0.26, -0.7), "Partner Referral": (0.08, 0.06, 0.8),
           "Trade Show": (0.10, 0.08, 0.35), "Webinar": (0.12, 0.10, 0.2),
           "Content Syndication": (0.16, 0.14, -0.45)}
# picklists: value -> (share, logit effect); None is a blank cell
INDUSTRIES = {"Technology": (0.24, 0.35), "Financial Services": (0.12, 0.3),
              "Healthcare": (0.10, 0.1), "Manufacturing": (0.12, 0.0), "Retail": (0.09, -0.2),
              "Education": (0.08, -0.5), "Government": (0.05, -0.5), "Media": (0.07, -0.1),
              None: (0.13, -0.1)}
COUNTRIES = {"United States": (0.46, 0.1), "United Kingdom": (0.12, 0.0), "Germany": (0.10, 0.0),
             "France": (0.06, -0.1), "Canada": (0.07, 0.1), "Australia": (0.05, 0.0),
             "India": (0.06, -0.3), "Brazil": (0.03, -0.3), None: (0.05, -0.1)}
TITLES = {"CEO": "executive", "Founder": "executive", "CFO": "executive", "COO": "executive",
          "VP Marketing": "vp", "VP Sales": "vp", "VP Operations": "vp",
          "Director of Marketing": "director", "Head of Sales Ops": "director",
          "Director, Finance": "director", "IT Director": "director",
          "Marketing Manager": "manager", "Sales Manager": "manager", "Ops Manager": "manager",
          "Finance Manager": "manager", "Analyst": "individual",
          "Marketing Specialist": "individual", "Sales Rep": "individual",
          "Engineer": "individual", "Consultant": "individual", "Student": "student",
          "Intern": "student"}
TITLE_WEIGHTS = (3, 2, 1, 1, 3, 2, 1, 4, 3, 2, 2, 6, 5, 4, 3, 6, 5, 4, 4, 3, 2, 1)
SENIORITY_EFFECT = {"executive": 0.3, "vp": 0.4, "director": 0.35, "manager": 0.1,
                    "individual": -0.35, "student": -1.0}
TITLE_BLANK_SHARE, TITLE_BLANK_EFFECT = 0.07, -0.2
SIZE_PEAK_LOG10, SIZE_PEAK_EFFECT, SIZE_CURVATURE, SIZE_FLOOR = 2.7, 0.45, 0.35, -0.6
SIZE_BLANK_SHARE, SIZE_BLANK_EFFECT = 0.15, -0.1
SIZE_LOG10_MEAN, SIZE_LOG10_SD, SIZE_LOG10_MAX = 2.1, 0.9, 5.3  # employees: 1 to ~200,000
# first-touch channel (attribution): same as the lead source's channel this often, else random
CHANNEL_OF_SOURCE = {"Web": "Organic Search", "Paid Search": "Paid Search",
                     "Paid Social": "Social", "Partner Referral": "Referral",
                     "Trade Show": "Event", "Webinar": "Event", "Content Syndication": "Email"}
CHANNEL_EFFECT = {"Organic Search": 0.1, "Paid Search": 0.0, "Social": -0.15, "Referral": 0.2,
                  "Event": 0.1, "Email": -0.05, "Direct": 0.1}
SAME_CHANNEL_SHARE = 0.55
# behaviour before the MQL: log-mean of a Poisson count = base + slope * latent intent
COUNTS = {"web_visits": (1.3, 0.35), "pricing_views": (-0.2, 0.85), "email_clicks": (0.4, 0.3),
          "downloads": (0.1, 0.35)}
COUNT_EFFECT = {"web_visits": 0.12, "pricing_views": 1.0, "email_clicks": 0.25,
                "downloads": 0.15}  # times log1p(count)
DEMO_BASE, DEMO_SLOPE, DEMO_EFFECT = -2.2, 0.8, 0.8
FIRST_TOUCH_MEDIAN_DAYS, FIRST_TOUCH_SIGMA, FIRST_TOUCH_MAX_DAYS = 60.0, 0.8, 720
FIRST_TOUCH_COEF, FIRST_TOUCH_SCALE_DAYS = -0.15, 30.0  # coef * log1p(days / scale)
OPT_OUT_SHARE, OPT_OUT_EFFECT = 0.06, -0.9
BACKSTAGE_SHARE = {"Trade Show": 0.25}  # share of backstage pass holders, by lead source
BACKSTAGE_OTHER_SHARE, BACKSTAGE_EFFECT = 0.01, 0.2
# third-party enrichment, filled for the same share of all leads, whatever happens later
REVENUE_PER_EMPLOYEE, REVENUE_SIGMA, REVENUE_FILLED = 150_000.0, 0.5, 0.45
CREDIT_RATINGS = ("D", "C", "B", "BB", "BBB", "A", "AA")
CREDIT_FILLED, CREDIT_NOISE = 0.6, 0.8
CREDIT_CUTS = (1.0, 1.6, 2.1, 2.6, 3.1, 3.7)  # log10 employees + noise -> rating
# the marketing-automation score frozen at the MQL hand-off (points per behaviour)
SCORE_BASE, SCORE_NOISE = 40.0, 12.0
SCORE_POINTS = {"web_visits": 3.0, "pricing_views": 8.0, "email_clicks": 3.0, "downloads": 6.0,
                "demo_requested": 20.0, "senior": 10.0}


def mql_times(rng: np.random.Generator, n: int, as_of: pd.Timestamp) -> pd.Series:
    """MQL moments, sorted, over the ``WINDOW_DAYS`` ending ``HORIZON_DAYS`` before ``as_of``,
    with a volume that grows linearly by ``VOLUME_GROWTH``."""
    g = VOLUME_GROWTH
    frac = (np.sqrt(1 + (g * g - 1) * rng.random(n)) - 1) / (g - 1)  # inverse CDF of 1+(g-1)x
    end = as_of - pd.Timedelta(days=HORIZON_DAYS)
    office = rng.random(n) < OFFICE_HOURS_SHARE  # form fills and syncs in office hours, or any time
    hour = np.where(office, np.clip(rng.normal(OFFICE_PEAK_HOUR, OFFICE_SD_HOURS, n), 0, 23.99),
                    24 * rng.random(n))
    seconds = np.sort(np.floor(frac * WINDOW_DAYS) * DAY_SECONDS + np.floor(hour * 3600))
    return pd.Series(end - pd.Timedelta(days=WINDOW_DAYS) + pd.to_timedelta(seconds, unit="s"))


def _sources(rng: np.random.Generator, frac: np.ndarray) -> np.ndarray:
    names = list(SOURCES)
    start = np.array([SOURCES[s][0] for s in names])
    end = np.array([SOURCES[s][1] for s in names])
    shares = start[None, :] + np.outer(frac, end - start)
    cumulative = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    index = np.minimum((rng.random(len(frac))[:, None] > cumulative).sum(axis=1), len(names) - 1)
    return np.array(names, dtype=object)[index]


def honest_leads(rng: np.random.Generator, n: int, as_of: pd.Timestamp) -> pd.DataFrame:
    """The leads as known at their MQL moment (internal names, typed values, NaN/None = blank)
    and ``logit_fit``: the honest part of the true logit, without the time drift."""
    mql_at = mql_times(rng, n, as_of)
    frac = ((mql_at - mql_at.min()) / (mql_at.max() - mql_at.min())).to_numpy()
    source = _sources(rng, frac)
    industry, country = pick(rng, INDUSTRIES, n), pick(rng, COUNTRIES, n)
    titles = np.array(list(TITLES), dtype=object)
    title = titles[rng.choice(len(titles), n, p=np.array(TITLE_WEIGHTS) / sum(TITLE_WEIGHTS))]
    title[rng.random(n) < TITLE_BLANK_SHARE] = None
    seniority = np.array([TITLES.get(t, "") for t in title], dtype=object)
    log_size = np.clip(rng.normal(SIZE_LOG10_MEAN, SIZE_LOG10_SD, n), 0.0, SIZE_LOG10_MAX)
    employees = np.where(rng.random(n) < SIZE_BLANK_SHARE, np.nan, np.round(10 ** log_size))
    revenue = np.round(10 ** log_size) * rng.lognormal(np.log(REVENUE_PER_EMPLOYEE),
                                                       REVENUE_SIGMA, n)  # even without size
    revenue = np.where(rng.random(n) < REVENUE_FILLED, np.round(revenue, -3), np.nan)
    credit = np.digitize(log_size + rng.normal(0, CREDIT_NOISE, n), CREDIT_CUTS)
    credit_rating = np.array(CREDIT_RATINGS, dtype=object)[credit]
    credit_rating[rng.random(n) >= CREDIT_FILLED] = None
    channels = np.array(list(CHANNEL_EFFECT), dtype=object)
    channel = np.where(rng.random(n) < SAME_CHANNEL_SHARE,
                       np.array([CHANNEL_OF_SOURCE[s] for s in source], dtype=object),
                       channels[rng.integers(0, len(channels), n)])
    intent = rng.normal(0.0, 1.0, n)
    counts = {k: rng.poisson(np.exp(base + slope * intent)) for k, (base, slope) in COUNTS.items()}
    demo = rng.random(n) < expit(DEMO_BASE + DEMO_SLOPE * intent)
    first_touch = np.minimum(np.round(rng.lognormal(np.log(FIRST_TOUCH_MEDIAN_DAYS),
                                                    FIRST_TOUCH_SIGMA, n)), FIRST_TOUCH_MAX_DAYS)
    opted_out = rng.random(n) < OPT_OUT_SHARE
    backstage = rng.random(n) < np.array([BACKSTAGE_SHARE.get(s, BACKSTAGE_OTHER_SHARE)
                                          for s in source])
    senior = np.isin(seniority, ["executive", "vp", "director"])
    score = SCORE_BASE + SCORE_POINTS["demo_requested"] * demo + SCORE_POINTS["senior"] * senior
    for key, count in counts.items():
        score = score + SCORE_POINTS[key] * np.minimum(count, 10)
    score = np.round(score + rng.normal(0, SCORE_NOISE, n))
    size = np.where(np.isnan(employees), SIZE_BLANK_EFFECT, np.maximum(
        SIZE_PEAK_EFFECT - SIZE_CURVATURE * (np.log10(np.maximum(employees, 1)) - SIZE_PEAK_LOG10)
        ** 2, SIZE_FLOOR))
    logit = (np.array([SOURCES[s][2] for s in source])
             + effect(industry, INDUSTRIES) + effect(country, COUNTRIES) + size
             + np.array([SENIORITY_EFFECT.get(s, TITLE_BLANK_EFFECT) for s in seniority])
             + np.array([CHANNEL_EFFECT[c] for c in channel]) + DEMO_EFFECT * demo
             + FIRST_TOUCH_COEF * np.log1p(first_touch / FIRST_TOUCH_SCALE_DAYS)
             + OPT_OUT_EFFECT * opted_out + BACKSTAGE_EFFECT * backstage)
    for key, count in counts.items():
        logit = logit + COUNT_EFFECT[key] * np.log1p(count)
    return pd.DataFrame({
        "mql_at": mql_at, "time_frac": frac, "source": source, "first_channel": channel,
        "industry": industry, "country": country, "title": title, "seniority": seniority,
        "employees": employees, "revenue": revenue, "credit_rating": credit_rating,
        **counts, "demo_requested": demo, "first_touch_days": first_touch,
        "opted_out": opted_out, "backstage": backstage, "score_at_mql": score,
        "logit_fit": logit})


def drift_intercepts(logit_fit: np.ndarray) -> tuple[float, float]:
    """The intercepts at the start and the end of the window: with each, the mean ``p_true`` of
    these leads would be ``START_RATE`` and ``END_RATE`` respectively."""

    def solve(rate: float) -> float:
        return float(brentq(lambda c: expit(logit_fit + c).mean() - rate, -20.0, 20.0,
                            xtol=1e-10))

    return solve(START_RATE), solve(END_RATE)


def true_probability(leads: pd.DataFrame, intercepts: tuple[float, float]) -> np.ndarray:
    """``p_true``: the honest logit plus an intercept that moves linearly with the MQL time."""
    start, end = intercepts
    frac = leads["time_frac"].to_numpy()
    return np.asarray(expit(leads["logit_fit"].to_numpy() + start + (end - start) * frac))


__all__ = ["honest_leads", "drift_intercepts", "true_probability", "mql_times", "HORIZON_DAYS",
           "START_RATE", "END_RATE", "WINDOW_DAYS"]
