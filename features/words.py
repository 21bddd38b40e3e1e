"""Codes and amounts in the words people read: ``organic_search`` -> "Organic search",
``40000`` -> "$40,000". Used by reason sentences (``scoring.sentences``) and the report."""

from __future__ import annotations

import math

# Codes whose plain name is not just "first letter up, underscores to spaces".
SPECIAL_NAMES = {
    "c_level": "C-level", "vp": "VP", "it": "IT", "hr": "HR", "apac": "APAC", "latam": "LatAm",
    "middle_east_africa": "Middle East & Africa", "north_america": "North America",
    "individual_contributor": "Individual contributor", "unknown": "Unknown",
    "europe": "Europe",
}


def plain_name(code: object) -> str:
    """A category code as a marketer reads it; blank and None are "(blank)"."""
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return "(blank)"
    text = str(code).strip()
    if not text:
        return "(blank)"
    if text.lower() in SPECIAL_NAMES:
        return SPECIAL_NAMES[text.lower()]
    if "_" not in text and text != text.lower():
        return text  # already written for people ("Trade show", "EMEA")
    words = text.replace("_", " ")
    return words[:1].upper() + words[1:]


def money(amount: float) -> str:
    """USD for people: $9,500, $40,000, $1.2M, $3B."""
    if amount >= 1e9:
        return f"${amount / 1e9:.3g}B"
    if amount >= 1e6:
        return f"${amount / 1e6:.3g}M"
    return f"${amount:,.0f}"


def count(n: float, one: str, many: str) -> str:
    """``1 activity`` / ``3 activities`` (``many`` may hold ``{n}``)."""
    k = int(round(n))
    return one.format(n=k) if k == 1 else many.format(n=k)
