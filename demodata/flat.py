"""The demo history as a flat CRM export: one row per lead, behaviour aggregated, leaks planted.

Built from ``demodata.events.generate_demo``: the same leads, activities, outcomes and true
probabilities. Only leads whose 90-day horizon is over at ``as_of`` are written (a flat export
has no way to say "not yet"), so ``Converted`` is never a guessed 0.

Honest columns are what was known at each lead's MQL moment (activities with ``occurred_at <=
mql_at``, behaviour counted over the 90 days before it, 30 for demo requests and pricing views),
with CRM habits: Title Case picklists, "Select" for unanswered form fields, Yes/No opt-ins, a
landing-page id with hundreds of values. Leaky columns are filled from the outcome, the way sales
fill them in after talking to the lead (``LEAKY_COLUMNS``); the product must flag and drop them.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from demodata.events import DEFAULT_AS_OF, DEFAULT_LEADS, DemoData, generate_demo
from demodata.titles import title_labels
from demodata.truth import HORIZON_DAYS, RECENT_DAYS, WINDOW_DAYS

logger = logging.getLogger(__name__)

ID_COLUMN, TARGET, TIME_COLUMN = "Lead Number", "Converted", "MQL Date"
LEAKY_COLUMNS = ("Tags", "Lead Quality", "Last Notable Activity", "Deal Value")
SELECT = "Select"
SOURCE_NAMES = {"organic_search": "Organic Search", "paid_search": "Google Ads",
                "social": "Social Media", "email": "Email Campaign", "referral": "Referral",
                "event": "Event", "partner": "Partner", "outbound": "Outbound Call",
                "direct": "Direct Traffic"}
ACTIVITY_NAMES = {"page_view": "Page Visited on Website", "pricing_page_view": "Viewed Pricing",
                  "content_download": "Content Downloaded", "webinar_registered":
                  "Webinar Registered", "webinar_attended": "Webinar Attended",
                  "email_open": "Email Opened", "email_click": "Email Link Clicked",
                  "email_reply": "Email Replied", "form_submit": "Form Submitted",
                  "demo_request": "Demo Requested", "meeting_scheduled": "Meeting Scheduled",
                  "trial_signup": "Trial Started", "unsubscribe": "Unsubscribed",
                  "email_bounce": "Email Bounced"}
# Leaky columns: value -> share among converted leads, share among the others (None = blank).
TAGS = {"Will revert after reading the email": (0.45, 0.06), "Closed by Horizzon": (0.25, 0.0),
        "Busy": (0.05, 0.04), "Ringing": (0.0, 0.15), "Interested in other courses": (0.0, 0.12),
        "Already a customer": (0.02, 0.08), "Not interested": (0.0, 0.06),
        "switched off": (0.03, 0.04), None: (0.20, 0.45)}
LEAD_QUALITY = {"High in Relevance": (0.35, 0.0), "Might be": (0.30, 0.05),
                "Not Sure": (0.10, 0.10), "Low in Relevance": (0.0, 0.07), "Worst": (0.0, 0.08),
                None: (0.25, 0.70)}
DAY = pd.Timedelta(days=1)


def _draw(rng: np.random.Generator, table: dict, converted: np.ndarray) -> np.ndarray:
    values = np.array(list(table), dtype=object)
    p_yes = np.array([v[0] for v in table.values()])
    p_no = np.array([v[1] for v in table.values()])
    out = np.empty(len(converted), dtype=object)
    for mask, p in ((converted, p_yes), (~converted, p_no)):
        out[mask] = values[rng.choice(len(values), int(mask.sum()), p=p / p.sum())]
    return out


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, "Yes", "No")


def _behaviour(leads: pd.DataFrame, activities: pd.DataFrame) -> pd.DataFrame:
    """Per lead (indexed by lead_id): counts before its MQL, the honest last activity, silence."""
    mql = leads.set_index("lead_id")["mql_at"]
    acts = activities.assign(mql_at=activities["lead_id"].map(mql))
    acts = acts[acts["occurred_at"] <= acts["mql_at"]]
    age = (acts["mql_at"] - acts["occurred_at"]) / DAY
    window, recent = acts[age <= WINDOW_DAYS], acts[age <= RECENT_DAYS]

    def count(frame: pd.DataFrame, *types: str, stage: str | None = None) -> pd.Series:
        mask = frame["activity_type"].isin(types)
        if stage is not None:
            mask &= frame["content_stage"].eq(stage)
        return frame[mask].groupby("lead_id").size().reindex(mql.index, fill_value=0)

    web = window[window["activity_type"].isin(["page_view", "pricing_page_view"])]
    visits = (web.assign(day=web["occurred_at"].dt.floor("D")).groupby("lead_id")["day"]
              .nunique().reindex(mql.index, fill_value=0))
    last = acts.sort_values(["lead_id", "occurred_at"]).groupby("lead_id").tail(1).set_index(
        "lead_id")
    silence = ((mql - last["occurred_at"].reindex(mql.index)) / DAY).fillna(180.0)
    return pd.DataFrame({
        "visits": visits, "page_views": count(window, "page_view", "pricing_page_view"),
        "pricing_30d": count(recent, "pricing_page_view"),
        "demo_30d": count(recent, "demo_request"),
        "webinars": count(window, "webinar_attended"),
        "top": count(window, "content_download", stage="top"),
        "middle": count(window, "content_download", stage="middle"),
        "bottom": count(window, "content_download", stage="bottom"),
        "opens": count(window, "email_open"), "clicks": count(window, "email_click"),
        "replies": count(window, "email_reply"), "trials": count(window, "trial_signup"),
        "unsubscribed": count(acts, "unsubscribe"), "bounced": count(acts, "email_bounce"),
        "last_activity": last["activity_type"].reindex(mql.index),
        "silence_days": silence.clip(lower=0.0),
    })


def _band(budget: pd.Series) -> np.ndarray:
    b = pd.to_numeric(budget).to_numpy(dtype="float64", na_value=np.nan)
    return np.select([np.isnan(b), b < 10_000, b < 25_000, b < 50_000],
                     [SELECT, "Under 10k", "10k-25k", "25k-50k"], "50k+").astype(object)


def flat_export(data: DemoData, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The flat export (text columns as a CRM writes them) and truth (Lead Number, p_true).

    Only leads whose horizon is over at ``data.as_of`` are included.
    """
    rng = np.random.default_rng(seed + 1_000_003)
    done = (data.leads["mql_at"] <= data.as_of - HORIZON_DAYS * DAY).to_numpy()
    leads = data.leads[done].reset_index(drop=True)
    outcomes = data.outcomes.set_index("lead_id").reindex(leads["lead_id"])
    converted = ((outcomes["sql_at"] - leads.set_index("lead_id")["mql_at"]) <= HORIZON_DAYS * DAY
                 ).fillna(False).to_numpy(dtype=bool)
    b = _behaviour(leads, data.activities).reindex(leads["lead_id"])
    n = len(leads)
    numbers = leads["lead_id"].str[1:].astype(int).to_numpy() + 580_000
    seniority = title_labels(leads["job_title"])["seniority"]
    pages = np.maximum(rng.zipf(1.3, n), 1) % 420  # hundreds of landing pages, a long tail
    honest_last = b["last_activity"].map(ACTIVITY_NAMES).to_numpy(dtype=object)

    notable = honest_last.copy()  # "Last Notable Activity": updated after the outcome
    u = rng.random(n)
    notable[converted & (u < 0.55)] = "Meeting Scheduled"
    notable[converted & (u >= 0.55) & (u < 0.7)] = "Email Replied"
    notable[~converted & (u < 0.12)] = "Unsubscribed"
    notable[~converted & (u >= 0.12) & (u < 0.37)] = "Email Opened"
    deal = np.where(converted & (rng.random(n) < 0.85),
                    np.round(rng.lognormal(np.log(18_000), 0.6, n), -2), np.nan)

    def text(column: str, blank: str = SELECT, names: dict | None = None) -> pd.Series:
        values = leads[column] if names is None else leads[column].map(names)
        return values.astype("str").fillna(blank)

    export = pd.DataFrame({
        ID_COLUMN: numbers,
        TIME_COLUMN: leads["mql_at"].dt.strftime("%Y-%m-%d %H:%M"),
        "Lead Source": text("source", names=SOURCE_NAMES),
        "Landing Page ID": [f"LP-{p:04d}" for p in pages],
        "Country": text("country", blank=""),
        "Industry": leads["industry"].str.replace("_", " ").str.title().fillna(SELECT),
        "Company Size": leads["company_size"],
        "Annual Revenue": leads["annual_revenue"],
        "Job Title": leads["job_title"].fillna(""),
        "Job Level": seniority.str.replace("_", " ").str.title().replace("Unknown", SELECT),
        "Budget Band": _band(leads["budget"]),
        "Purchase Timeframe": text("purchase_timeframe"),
        "Pain Point": leads["pain_point"].str.capitalize().fillna(SELECT),
        "TotalVisits": b["visits"].to_numpy(),
        "Total Time Spent on Website": np.rint(b["page_views"].to_numpy()
                                               * rng.lognormal(np.log(95), 0.5, n)).astype(int),
        "Page Views Per Visit": np.round(b["page_views"].to_numpy()
                                         / np.maximum(b["visits"].to_numpy(), 1), 2),
        "Pricing Page Views (30d)": b["pricing_30d"].to_numpy(),
        "Demo Requested": _yes_no(b["demo_30d"].to_numpy() > 0),
        "Webinar Attended": _yes_no(b["webinars"].to_numpy() > 0),
        "Top-of-Funnel Downloads": b["top"].to_numpy(),
        "Mid-Funnel Downloads": b["middle"].to_numpy(),
        "Bottom-of-Funnel Downloads": b["bottom"].to_numpy(),
        "Email Opens": b["opens"].to_numpy(), "Email Clicks": b["clicks"].to_numpy(),
        "Replied to Email": _yes_no(b["replies"].to_numpy() > 0),
        "Started Trial": _yes_no(b["trials"].to_numpy() > 0),
        "Days Since Last Activity": np.round(b["silence_days"].to_numpy(), 2),
        "Last Activity": honest_last,
        "Do Not Email": _yes_no(b["unsubscribed"].to_numpy() > 0),
        "Email Bounced": _yes_no(b["bounced"].to_numpy() > 0),
        "Newsletter Opt-in": _yes_no(rng.random(n) < 0.35),
        "Receive Product Updates": _yes_no(rng.random(n) < 0.2),
        "Tags": _draw(rng, TAGS, converted),
        "Lead Quality": _draw(rng, LEAD_QUALITY, converted),
        "Last Notable Activity": notable,
        "Deal Value": deal,
        TARGET: converted.astype(int),
    })
    p_true = data.truth.set_index("lead_id")["p_true"].reindex(leads["lead_id"]).to_numpy()
    truth = pd.DataFrame({ID_COLUMN: numbers, "p_true": p_true})
    return export, truth


README = """# Demo flat CRM export

`export.csv` is the demo CRM history (`demodata/events.py`, the story in `demodata/story.md`)
written as a flat list export: one row per lead, behaviour already aggregated, the way CRMs and
marketing-automation tools export lead lists. `truth.csv` holds each lead's true probability of
converting (`p_true`), for the oracle comparison; the product never trains on it.

- **Rows**: only leads whose 90-day horizon is over at the export date (as_of {as_of}): a flat
  list cannot say "not converted *yet*", so newer leads are left out rather than labelled 0.
- **Label**: `Converted` (1/0): became a sales-qualified lead within 90 days of `MQL Date`.
- **Id**: `Lead Number`. **Time**: `MQL Date` (for the out-of-time split).
- **Honest columns** (known at the MQL moment): lead source, landing page id (hundreds of values,
  most of them rare), country, industry, size, revenue, job title (free text), job level, budget
  band, purchase timeframe, pain point (form fields, "Select" when not answered), visits, time
  on site, page views per visit, pricing views, downloads by funnel stage, email opens and clicks
  (the 90 days before the MQL; demo requests and pricing views the last 30), Yes/No flags,
  the last activity before the MQL.
- **Leaky columns**, planted on purpose (filled in by sales after contact, from the outcome):
  `Tags` (e.g. "Closed by Horizzon" only for converted leads, "Ringing" only for the others),
  `Lead Quality` (a rep's grade, mostly blank for unconverted leads), `Last Notable Activity`
  (updated after conversion: often "Meeting Scheduled"), `Deal Value` (filled only for converted
  leads). `leadconv train` must flag and drop each of them.

| parameter | value |
|---|---|
| leads generated | {generated:,} |
| leads written | {written:,} |
| seed | {seed} |
| conversion rate in the export | {rate:.4f} |
| mean p_true in the export | {p_true:.4f} |
"""


def write_flat_demo(out_dir: str | Path, n_leads: int = DEFAULT_LEADS, seed: int = 42,
                    as_of: str | pd.Timestamp = DEFAULT_AS_OF,
                    conversion_rate: float = 0.13) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the demo history and write ``export.csv``, ``truth.csv`` and ``README.md``.

    Returns (export, truth) as written.
    """
    data = generate_demo(n_leads, seed, as_of, conversion_rate)
    export, truth = flat_export(data, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    export.to_csv(out / "export.csv", index=False, lineterminator="\n")
    truth.to_csv(out / "truth.csv", index=False, lineterminator="\n")
    (out / "README.md").write_text(README.format(
        as_of=data.as_of.date(), generated=n_leads, written=len(export), seed=seed,
        rate=export[TARGET].mean(), p_true=truth["p_true"].mean()), encoding="utf-8")
    logger.info("wrote a flat demo export of %d leads to %s", len(export), out)
    return export, truth


__all__ = ["write_flat_demo", "flat_export", "LEAKY_COLUMNS", "ID_COLUMN", "TARGET", "TIME_COLUMN"]
