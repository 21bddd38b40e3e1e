"""The contacts demo's story: who the contacts are, what they did before the MQL, and ``p_true``.

A third generator, independent of ``demodata.events`` and ``demodata.vendor``: an HR-software
company whose marketing-automation tool exports its contacts. Two things move over the 30 months
of MQLs, and no column says why:

* **the base rate rises four-fold**: the intercept of the true logit moves linearly with time,
  from a rate of ``START_RATE`` for the average contact at the start to ``END_RATE`` at the end
  (the company moved up-market and its sales team learnt to follow up);
* **one relation reverses half-way**: until ``REVERSAL_AT`` (a share of the window) contacts who
  clicked marketing e-mails converted more (``CLICKS_BEFORE`` times log1p(clicks)); from then on a
  prize-draw newsletter made clicking what prize hunters do, and clickers convert less
  (``CLICKS_AFTER``). A model fitted on the whole history averages the two.

Everything else in the honest logit is a column of the export, known at the MQL moment; a latent
intent per contact only makes the behaviour columns move together. ``p_true`` is the chance of an
SQL within ``HORIZON_DAYS`` of the MQL, the drift and the reversal included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from demodata.draws import effect, pick

HORIZON_DAYS = 90
WINDOW_DAYS = 913  # ~30 months of MQLs, ending HORIZON_DAYS before as_of
DAY_SECONDS = 86_400
START_RATE, END_RATE = 0.05, 0.20  # rate of the average contact at the start / end: 4x
REVERSAL_AT = 0.5  # share of the window where the e-mail clicks' effect changes sign
CLICKS_BEFORE, CLICKS_AFTER = 0.7, -0.7  # times log1p(clicks)
# picklists: value -> (share, logit effect); None is a blank cell
SOURCES = {"Organic Search": (0.26, 0.1), "Paid Search": (0.16, -0.1),
           "Social Media": (0.14, -0.5), "Email Marketing": (0.10, 0.0),
           "Referrals": (0.08, 0.7), "Offline Sources": (0.09, 0.3),
           "Direct Traffic": (0.12, 0.2), "Other Campaigns": (0.05, -0.3)}
INDUSTRIES = {"Software": (0.20, 0.3), "Professional Services": (0.15, 0.2),
              "Healthcare": (0.12, 0.1), "Retail": (0.12, -0.2), "Hospitality": (0.08, -0.4),
              "Manufacturing": (0.13, 0.0), "Non-profit": (0.06, -0.5), None: (0.14, -0.1)}
COUNTRIES = {"Germany": (0.22, 0.0), "France": (0.14, -0.1), "Netherlands": (0.10, 0.1),
             "Spain": (0.09, -0.2), "Italy": (0.08, -0.2), "United Kingdom": (0.15, 0.1),
             "Poland": (0.07, -0.1), "Sweden": (0.06, 0.2), None: (0.09, -0.1)}
SIZE_BANDS = {"1-10": (0.14, -0.9), "11-50": (0.24, -0.2), "51-200": (0.25, 0.35),
              "201-1000": (0.18, 0.45), "1001-5000": (0.08, 0.1), "5000+": (0.04, -0.2),
              None: (0.07, -0.3)}
TITLES = {"Chief People Officer": "executive", "Managing Director": "executive",
          "VP People": "vp", "HR Director": "director", "Head of Talent": "director",
          "HR Manager": "manager", "L&D Manager": "manager", "Office Manager": "manager",
          "HR Business Partner": "individual", "Recruiter": "individual",
          "Payroll Specialist": "individual", "HR Assistant": "individual", "Student": "student"}
TITLE_WEIGHTS = (1, 1, 2, 4, 3, 6, 3, 3, 5, 6, 3, 4, 1)
SENIORITY_EFFECT = {"executive": 0.35, "vp": 0.45, "director": 0.4, "manager": 0.15,
                    "individual": -0.3, "student": -1.2}
TITLE_BLANK_SHARE, TITLE_BLANK_EFFECT = 0.08, -0.2
# the first form the contact filled in (frozen once filled): value -> (share, logit effect)
FIRST_CONVERSIONS = {"Ebook: Onboarding Checklist": (0.30, -0.1),
                     "Webinar: Hybrid Work": (0.18, 0.1), "Newsletter Signup": (0.22, -0.35),
                     "Pricing Page Form": (0.12, 0.6), "Salary Benchmark Tool": (0.18, 0.0)}
# the channel of the last marketing touch before the MQL (frozen at the MQL hand-off)
TOUCH_CHANNELS = {"Organic Search": (0.3, 0.05), "Email": (0.25, -0.05), "Paid Ad": (0.2, -0.1),
                  "Event": (0.1, 0.25), "Direct": (0.15, 0.1)}
# behaviour before the MQL: log-mean of a Poisson count = base + slope * latent intent
COUNTS = {"pageviews": (2.0, 0.35), "sessions": (1.0, 0.3), "forms": (-0.3, 0.5),
          "opens": (1.2, 0.25), "clicks": (0.2, 0.45)}
COUNT_EFFECT = {"pageviews": 0.12, "sessions": 0.15, "forms": 0.35, "opens": 0.05}
WEBINAR_BASE, WEBINAR_SLOPE, WEBINAR_EFFECT = -1.6, 0.6, 0.4
QUOTE_BASE, QUOTE_SLOPE, QUOTE_EFFECT = -2.4, 0.9, 0.9
# "Currently using spreadsheets": a form question, blank when not asked
SPREADSHEETS_ASKED, SPREADSHEETS_YES, SPREADSHEETS_EFFECT = 0.55, 0.45, 0.35
DAYS_TO_MQL_MEDIAN, DAYS_TO_MQL_SIGMA, DAYS_TO_MQL_COEF = 25.0, 0.9, -0.12  # coef * log1p(d/7)


def mql_times(rng: np.random.Generator, n: int, as_of: pd.Timestamp) -> pd.Series:
    """MQL moments, sorted, uniform over the ``WINDOW_DAYS`` ending ``HORIZON_DAYS`` before
    ``as_of``, in office hours (08:00-18:00 UTC) on weekdays more often than at weekends."""
    end = as_of - pd.Timedelta(days=HORIZON_DAYS)
    day = np.floor(rng.random(n) * WINDOW_DAYS)
    start = end - pd.Timedelta(days=WINDOW_DAYS)
    weekday = ((start.day_of_week + day) % 7) < 5
    keep_weekend = rng.random(n) < 0.3  # weekend MQLs are rarer: move most to the Monday after
    monday = np.minimum(day + (7 - (start.day_of_week + day) % 7), WINDOW_DAYS - 1)
    day = np.where(weekday | keep_weekend, day, monday)
    seconds = np.sort(day * DAY_SECONDS + np.floor((8 + 10 * rng.random(n)) * 3600))
    return pd.Series(start + pd.to_timedelta(seconds, unit="s"))


def honest_contacts(rng: np.random.Generator, n: int, as_of: pd.Timestamp) -> pd.DataFrame:
    """The contacts as known at their MQL moment (internal names, typed values, NaN/None =
    blank), ``logit_fit`` (the honest logit without the drift and without the e-mail clicks) and
    ``clicks_term`` (log1p of the clicks, whose effect reverses)."""
    mql_at = mql_times(rng, n, as_of)
    frac = ((mql_at - mql_at.min()) / (mql_at.max() - mql_at.min())).to_numpy()
    source, industry = pick(rng, SOURCES, n), pick(rng, INDUSTRIES, n)
    country, size = pick(rng, COUNTRIES, n), pick(rng, SIZE_BANDS, n)
    first, touch = pick(rng, FIRST_CONVERSIONS, n), pick(rng, TOUCH_CHANNELS, n)
    titles = np.array(list(TITLES), dtype=object)
    title = titles[rng.choice(len(titles), n, p=np.array(TITLE_WEIGHTS) / sum(TITLE_WEIGHTS))]
    title[rng.random(n) < TITLE_BLANK_SHARE] = None
    seniority = np.array([TITLES.get(t, "") for t in title], dtype=object)
    intent = rng.normal(0.0, 1.0, n)
    counts = {k: rng.poisson(np.exp(base + slope * intent)) for k, (base, slope) in COUNTS.items()}
    counts["sessions"] = np.maximum(counts["sessions"], 1)
    counts["pageviews"] = np.maximum(counts["pageviews"], counts["sessions"])
    webinar = rng.random(n) < expit(WEBINAR_BASE + WEBINAR_SLOPE * intent)
    quote = rng.random(n) < expit(QUOTE_BASE + QUOTE_SLOPE * intent)
    asked = rng.random(n) < SPREADSHEETS_ASKED
    spreadsheets = np.where(asked, rng.random(n) < SPREADSHEETS_YES, np.nan)
    days_to_mql = np.round(rng.lognormal(np.log(DAYS_TO_MQL_MEDIAN), DAYS_TO_MQL_SIGMA, n))
    logit = (effect(source, SOURCES) + effect(industry, INDUSTRIES)
             + effect(country, COUNTRIES) + effect(size, SIZE_BANDS)
             + effect(first, FIRST_CONVERSIONS) + effect(touch, TOUCH_CHANNELS)
             + np.array([SENIORITY_EFFECT.get(s, TITLE_BLANK_EFFECT) for s in seniority])
             + WEBINAR_EFFECT * webinar + QUOTE_EFFECT * quote
             + SPREADSHEETS_EFFECT * np.nan_to_num(spreadsheets)
             + DAYS_TO_MQL_COEF * np.log1p(days_to_mql / 7))
    for key, coef in COUNT_EFFECT.items():
        logit = logit + coef * np.log1p(counts[key])
    return pd.DataFrame({
        "mql_at": mql_at, "time_frac": frac, "source": source, "industry": industry,
        "country": country, "size_band": size, "title": title, "seniority": seniority,
        "first_conversion": first, "touch_channel": touch, **counts, "webinar": webinar,
        "quote": quote, "spreadsheets": spreadsheets, "days_to_mql": days_to_mql,
        "logit_fit": logit, "clicks_term": np.log1p(counts["clicks"])})


def clicks_coefficient(frac: np.ndarray) -> np.ndarray:
    """The e-mail clicks' logit coefficient at each share of the window."""
    return np.where(np.asarray(frac) < REVERSAL_AT, CLICKS_BEFORE, CLICKS_AFTER)


def drift_intercepts(contacts: pd.DataFrame) -> tuple[float, float]:
    """The intercepts at the start and the end of the window: with each (and the clicks'
    coefficient of that time), the mean ``p_true`` of these contacts would be ``START_RATE`` and
    ``END_RATE``."""
    base = contacts["logit_fit"].to_numpy()
    clicks = contacts["clicks_term"].to_numpy()

    def solve(rate: float, coefficient: float) -> float:
        logit = base + coefficient * clicks
        return float(brentq(lambda c: expit(logit + c).mean() - rate, -20.0, 20.0, xtol=1e-10))

    return solve(START_RATE, CLICKS_BEFORE), solve(END_RATE, CLICKS_AFTER)


def true_probability(contacts: pd.DataFrame, intercepts: tuple[float, float]) -> np.ndarray:
    """``p_true``: the honest logit, the clicks at their time's coefficient, and an intercept
    moving linearly with the MQL time."""
    start, end = intercepts
    frac = contacts["time_frac"].to_numpy()
    logit = (contacts["logit_fit"].to_numpy() + clicks_coefficient(frac)
             * contacts["clicks_term"].to_numpy() + start + (end - start) * frac)
    return np.asarray(expit(logit))


__all__ = ["honest_contacts", "drift_intercepts", "true_probability", "clicks_coefficient",
           "mql_times", "HORIZON_DAYS", "WINDOW_DAYS", "START_RATE", "END_RATE", "REVERSAL_AT"]
