"""A third flat demo export: a marketing-automation tool's contacts, with known truth and leaks.

The contacts list of a European portal of a marketing-automation tool, as its export writes it:
Title Case property names with spaces and slashes, numeric record ids, day-first dates
(``DD/MM/YYYY HH:MM``), ``Yes``/``No`` answers, company sizes as bands, blank cells. Its story
(``demodata.contacts_story``) is its own: the base rate rises four-fold over 30 months of MQLs
and the e-mail clicks' relation with the outcome reverses half-way.

The columns filled after the outcome are listed with their kind in ``PLANTED_LEAKS``; one of the
snapshot columns carries no "latest state" word in its name (only its values give it away).
``HONEST_LOOKALIKES`` are honest columns whose names look suspicious. Tests use this export, with
the two others, to check the product is not tuned to one generator.
"""

from __future__ import annotations

import logging
from pathlib import Path
from string import Template

import numpy as np
import pandas as pd

from demodata.contacts_story import (
    END_RATE,
    HORIZON_DAYS,
    REVERSAL_AT,
    START_RATE,
    WINDOW_DAYS,
    drift_intercepts,
    honest_contacts,
    true_probability,
)
from demodata.draws import draw_by_outcome, write_flat_demo_files

logger = logging.getLogger(__name__)

ID_COLUMN, TARGET, TIME_COLUMN = "Record ID", "Became SQL", "Create Date"
TIME_FORMAT = "%d/%m/%Y %H:%M"
REVERSED_COLUMN = "Marketing Emails Clicked"  # its relation with the outcome changes sign
DEFAULT_LEADS, DEFAULT_AS_OF = 20_000, "2026-10-01"
SNAPSHOT, DOMINATES, NAME = "snapshot", "dominates", "name"
PLANTED_LEAKS: dict[str, str] = {
    "Owner Latest Interaction": SNAPSHOT, "Sequence Step Reached": SNAPSHOT,
    "Number of Sales Activities": DOMINATES, "Lifecycle Stage": NAME}
UNNAMED_SNAPSHOTS: tuple[str, ...] = ("Sequence Step Reached",)  # no state word in the name
HONEST_LOOKALIKES: tuple[str, ...] = (
    "Currently Using Spreadsheets", "MQL Last Touch Channel", "First Conversion",
    "Number of Form Submissions", REVERSED_COLUMN)
# after the outcome: value -> (share among converted, share among the others); None = blank
LATEST_INTERACTION = {"Meeting": (0.30, 0.03), "Call": (0.22, 0.12), "Sales Email": (0.22, 0.25),
                      "Marketing Email": (0.14, 0.40), "Chat": (0.06, 0.10), None: (0.06, 0.10)}
SEQUENCE_STEP = {"Meeting Booked": (0.30, 0.02), "Replied": (0.25, 0.06),
                 "Step 1 of 4": (0.10, 0.22), "Step 2 of 4": (0.10, 0.20),
                 "Step 3 of 4": (0.08, 0.16), "Finished": (0.10, 0.24), None: (0.07, 0.10)}
LIFECYCLE = {"salesqualifiedlead": (0.45, 0.02), "opportunity": (0.30, 0.0),
             "customer": (0.15, 0.0), "marketingqualifiedlead": (0.08, 0.70),
             "lead": (0.02, 0.20), "other": (0.0, 0.08)}
SALES_ACTIVITIES_MEAN = {True: 5.2, False: 2.3}
README_TEMPLATE = Path(__file__).with_name("contacts_readme.md")


def _yes_no(flag: np.ndarray) -> np.ndarray:
    return np.where(flag, "Yes", "No")


def _yes_no_blank(values: np.ndarray) -> np.ndarray:
    return np.array([None if np.isnan(v) else ("Yes" if v else "No") for v in values],
                    dtype=object)


def contacts_export(n_leads: int = DEFAULT_LEADS, seed: int = 42,
                    as_of: str | pd.Timestamp = DEFAULT_AS_OF
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contacts export (text as written to CSV) and truth (``Record ID``, ``p_true``).

    Args:
        n_leads: MQLs in the window; all are written (the window ends ``HORIZON_DAYS`` before
            ``as_of``, so every contact's horizon is over).
        seed: random seed (same arguments, same frames).
        as_of: the export date.

    Raises:
        ValueError: ``n_leads`` is below 100 (too few to place the drift).
    """
    if n_leads < 100:
        raise ValueError(f"n_leads must be at least 100, got {n_leads}")
    rng = np.random.default_rng([seed, 3])
    c = honest_contacts(rng, n_leads, pd.Timestamp(as_of))
    p_true = true_probability(c, drift_intercepts(c))
    converted = rng.random(n_leads) < p_true
    ids = 50_000_000 + np.cumsum(rng.integers(1, 200, n_leads))
    activities = rng.poisson(np.where(converted, SALES_ACTIVITIES_MEAN[True],
                                      SALES_ACTIVITIES_MEAN[False]))
    export = pd.DataFrame({
        ID_COLUMN: ids,
        TIME_COLUMN: c["mql_at"].dt.strftime(TIME_FORMAT),
        "Original Source": c["source"],
        "Job Title": c["title"],
        "Industry": c["industry"],
        "Company Size": c["size_band"],
        "Country/Region": c["country"],
        "Number of Pageviews": c["pageviews"],
        "Number of Sessions": c["sessions"],
        "Number of Form Submissions": c["forms"],
        "Marketing Emails Opened": c["opens"],
        REVERSED_COLUMN: c["clicks"],
        "Attended a Webinar": _yes_no(c["webinar"].to_numpy()),
        "Requested a Quote": _yes_no(c["quote"].to_numpy()),
        "Currently Using Spreadsheets": _yes_no_blank(c["spreadsheets"].to_numpy()),
        "First Conversion": c["first_conversion"],
        "MQL Last Touch Channel": c["touch_channel"],
        "Days to MQL": c["days_to_mql"].astype(int),
        "Owner Latest Interaction": draw_by_outcome(rng, LATEST_INTERACTION, converted),
        "Sequence Step Reached": draw_by_outcome(rng, SEQUENCE_STEP, converted),
        "Number of Sales Activities": activities,
        "Lifecycle Stage": draw_by_outcome(rng, LIFECYCLE, converted),
        TARGET: _yes_no(converted),
    })
    truth = pd.DataFrame({ID_COLUMN: ids, "p_true": p_true})
    return export, truth


def half_year_rates(export: pd.DataFrame) -> pd.Series:
    """The realised conversion rate per half year of ``Create Date``."""
    when = pd.to_datetime(export[TIME_COLUMN], format=TIME_FORMAT)
    half = when.dt.year.astype(str) + "-H" + ((when.dt.month - 1) // 6 + 1).astype(str)
    return export[TARGET].eq("Yes").groupby(half).mean()


def readme(export: pd.DataFrame, truth: pd.DataFrame, seed: int, as_of: str | pd.Timestamp
           ) -> str:
    """The README: the story, the columns, the planted leaks and this file's parameters."""
    rates = half_year_rates(export)
    return Template(README_TEMPLATE.read_text(encoding="utf-8")).substitute(
        as_of=pd.Timestamp(as_of).date(), leads=f"{len(export):,}", seed=seed,
        horizon=HORIZON_DAYS, months=round(WINDOW_DAYS / 30.4), start_rate=f"{START_RATE:.0%}",
        end_rate=f"{END_RATE:.0%}", reversal=f"{REVERSAL_AT:.0%}",
        rate=f"{export[TARGET].eq('Yes').mean():.4f}", p_true=f"{truth['p_true'].mean():.4f}",
        oldest=f"{rates.iloc[0]:.3f}", newest=f"{rates.iloc[-1]:.3f}",
        leaks="\n".join(f"| `{c}` | {k} |" for c, k in PLANTED_LEAKS.items()))


def write_contacts_demo(out_dir: str | Path, n_leads: int = DEFAULT_LEADS, seed: int = 42,
                        as_of: str | pd.Timestamp = DEFAULT_AS_OF
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write ``export.csv``, ``truth.csv`` and ``README.md`` of the contacts demo into
    ``out_dir``. Returns (export, truth) as written."""
    export, truth = contacts_export(n_leads, seed, as_of)
    out = write_flat_demo_files(out_dir, export, truth, readme(export, truth, seed, as_of))
    logger.info("wrote a contacts demo export of %d contacts to %s", len(export), out)
    return export, truth


__all__ = ["contacts_export", "write_contacts_demo", "half_year_rates", "PLANTED_LEAKS",
           "UNNAMED_SNAPSHOTS", "HONEST_LOOKALIKES", "REVERSED_COLUMN", "ID_COLUMN", "TARGET",
           "TIME_COLUMN", "TIME_FORMAT"]
