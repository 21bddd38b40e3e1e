"""A second flat demo export, in another vendor's layout, with known truth and planted leaks.

The lead table of a Salesforce-style CRM as a warehouse sync writes it: snake_case API names,
custom fields ending in ``_c``, ids like ``00Q8c00000Ab12x``, ``true``/``false`` and ``1``/``0``
flags, ISO ``YYYY-MM-DD HH:MM:SS`` creation times, dollar amounts, blank cells. Its story
(``demodata.vendor_story``) is not the first demo's: the conversion rate drifts from ~6% to ~25%
over 24 months of MQLs, and only leads whose horizon is over at ``as_of`` are written.

The columns filled after the outcome (``demodata.vendor_sales``) are listed with their kind in
``PLANTED_LEAKS``; ``HONEST_LOOKALIKES`` are honest columns that only look suspicious. Tests use
this export to check the product is not tuned to the first demo generator.
"""

from __future__ import annotations

import logging
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from demodata.draws import write_flat_demo_files
from demodata.vendor_sales import sales_fields
from demodata.vendor_story import (
    END_RATE,
    HORIZON_DAYS,
    START_RATE,
    WINDOW_DAYS,
    drift_intercepts,
    honest_leads,
    true_probability,
)

logger = logging.getLogger(__name__)

ID_COLUMN, TARGET, TIME_COLUMN = "id", "is_converted", "created_date"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DEFAULT_LEADS, DEFAULT_AS_OF = 20_000, "2026-10-01"
SNAPSHOT, DOMINATES, ASSIGNED, NAME = "snapshot", "dominates", "assigned_by_sales", "name"
LEAK_KINDS = (SNAPSHOT, DOMINATES, ASSIGNED, NAME)
PLANTED_LEAKS: dict[str, str] = {
    "last_activity_type_c": SNAPSHOT, "current_lead_score_c": SNAPSHOT,
    "discovery_call_minutes_c": DOMINATES, "rating": ASSIGNED, "priority_index_c": ASSIGNED,
    "disposition_c": NAME}
HONEST_LOOKALIKES: tuple[str, ...] = (
    "pricing_page_views_30d_c", "credit_rating_c", "annual_revenue", "backstage_pass_holder_c",
    "first_touch_channel_c", "days_since_first_touch_c", "lead_score_at_mql_c")
ID_PREFIX = "00Q8c00000"  # key prefix of a lead, then the instance and a counter
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_DIGITS, ID_FIRST = 5, 62**3
README_TEMPLATE = Path(__file__).with_name("vendor_readme.md")


def lead_ids(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` increasing 15-character Salesforce-style lead ids (``00Q...``), with gaps."""
    counters = ID_FIRST + np.cumsum(rng.integers(1, 40, n))
    ids = []
    for counter in counters:
        digits = ""
        for _ in range(ID_DIGITS):
            counter, rest = divmod(int(counter), 62)
            digits = BASE62[rest] + digits
        ids.append(ID_PREFIX + digits)
    return ids


def _true_false(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, "true", "false")


def _whole(values: np.ndarray) -> pd.Series:
    """Whole numbers with blanks (written as ``12``, not ``12.0``)."""
    return pd.Series(np.round(values)).astype("Int64")


def _dollars(values: np.ndarray) -> np.ndarray:
    return np.array([None if np.isnan(v) else f"${v:,.2f}" for v in values], dtype=object)


def vendor_export(n_leads: int = DEFAULT_LEADS, seed: int = 42,
                  as_of: str | pd.Timestamp = DEFAULT_AS_OF) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The vendor-style export (text as written to CSV) and truth (``id``, ``p_true``).

    Args:
        n_leads: MQLs in the window; all are written (the window ends ``HORIZON_DAYS`` before
            ``as_of``, so every lead's horizon is over).
        seed: random seed (same arguments, same frames).
        as_of: the export date.

    Raises:
        ValueError: ``n_leads`` is below 100 (too few to place the drift).
    """
    if n_leads < 100:
        raise ValueError(f"n_leads must be at least 100, got {n_leads}")
    rng = np.random.default_rng([seed, 2])
    leads = honest_leads(rng, n_leads, pd.Timestamp(as_of))
    p_true = true_probability(leads, drift_intercepts(leads["logit_fit"].to_numpy()))
    converted = rng.random(n_leads) < p_true
    sales = sales_fields(rng, leads, converted)
    ids = lead_ids(n_leads, rng)
    export = pd.DataFrame({
        ID_COLUMN: ids,
        TIME_COLUMN: leads["mql_at"].dt.strftime(TIME_FORMAT),
        "lead_source": leads["source"],
        "title": leads["title"],
        "industry": leads["industry"],
        "number_of_employees": _whole(leads["employees"].to_numpy()),
        "annual_revenue": _dollars(leads["revenue"].to_numpy()),
        "country": leads["country"],
        "rating": sales["rating"],
        "has_opted_out_of_email": leads["opted_out"].astype(int),
        TARGET: _true_false(converted),
        "last_activity_type_c": sales["last_activity"],
        "first_touch_channel_c": leads["first_channel"],
        "days_since_first_touch_c": _whole(leads["first_touch_days"].to_numpy()),
        "web_visits_90d_c": leads["web_visits"],
        "pricing_page_views_30d_c": leads["pricing_views"],
        "email_clicks_90d_c": leads["email_clicks"],
        "content_downloads_90d_c": leads["downloads"],
        "demo_requested_c": _true_false(leads["demo_requested"].to_numpy()),
        "backstage_pass_holder_c": _true_false(leads["backstage"].to_numpy()),
        "credit_rating_c": leads["credit_rating"],
        "lead_score_at_mql_c": _whole(leads["score_at_mql"].to_numpy()),
        "current_lead_score_c": _whole(sales["current_score"]),
        "discovery_call_minutes_c": _whole(sales["call_minutes"]),
        "priority_index_c": _whole(sales["priority"]),
        "disposition_c": sales["disposition"],
    })
    truth = pd.DataFrame({ID_COLUMN: ids, "p_true": p_true})
    return export, truth


def quarter_rates(export: pd.DataFrame) -> pd.Series:
    """The realised conversion rate per calendar quarter of ``created_date``."""
    quarter = pd.to_datetime(export[TIME_COLUMN], format=TIME_FORMAT).dt.to_period("Q")
    return export[TARGET].eq("true").groupby(quarter).mean()


def readme(export: pd.DataFrame, truth: pd.DataFrame, seed: int, as_of: str | pd.Timestamp
           ) -> str:
    """The README: the story, the columns, the planted leaks and this file's parameters."""
    rates = quarter_rates(export)
    return Template(README_TEMPLATE.read_text(encoding="utf-8")).substitute(
        as_of=pd.Timestamp(as_of).date(), leads=f"{len(export):,}", seed=seed,
        horizon=HORIZON_DAYS, months=round(WINDOW_DAYS / 30.4), start_rate=f"{START_RATE:.0%}",
        end_rate=f"{END_RATE:.0%}", rate=f"{export[TARGET].eq('true').mean():.4f}",
        p_true=f"{truth['p_true'].mean():.4f}", oldest=f"{rates.iloc[0]:.3f}",
        newest=f"{rates.iloc[-1]:.3f}",
        leaks="\n".join(f"| `{c}` | {k} |" for c, k in PLANTED_LEAKS.items()))


def write_vendor_demo(out_dir: str | Path, n_leads: int = DEFAULT_LEADS, seed: int = 42,
                      as_of: str | pd.Timestamp = DEFAULT_AS_OF
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write ``export.csv``, ``truth.csv`` and ``README.md`` of the vendor demo into ``out_dir``.

    Returns (export, truth) as written.
    """
    export, truth = vendor_export(n_leads, seed, as_of)
    out = write_flat_demo_files(out_dir, export, truth, readme(export, truth, seed, as_of))
    logger.info("wrote a vendor-style demo export of %d leads to %s", len(export), out)
    return export, truth


__all__ = ["vendor_export", "write_vendor_demo", "quarter_rates", "lead_ids", "PLANTED_LEAKS",
           "HONEST_LOOKALIKES", "LEAK_KINDS", "ID_COLUMN", "TARGET", "TIME_COLUMN"]
