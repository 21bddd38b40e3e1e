"""Codes and amounts in the words people read: ``organic_search`` -> "Organic search",
``40000`` -> "$40,000". The one helper reason sentences (``scoring.sentences``) and the report
(``report.words``) write values with.
"""

from __future__ import annotations

import re

# Words written in capitals, or in a fixed way, whatever the export's case.
WORDS = {"it": "IT", "hr": "HR", "ceo": "CEO", "cfo": "CFO", "cto": "CTO", "cmo": "CMO",
         "vp": "VP", "saas": "SaaS", "b2b": "B2B", "b2c": "B2C", "smb": "SMB", "usa": "USA",
         "us": "US", "uk": "UK", "eu": "EU", "emea": "EMEA", "apac": "APAC", "latam": "LATAM",
         "na": "NA", "seo": "SEO", "sem": "SEM", "ppc": "PPC", "crm": "CRM", "api": "API",
         "ai": "AI", "ml": "ML", "roi": "ROI", "ui": "UI", "ux": "UX", "qa": "QA",
         "c_level": "C-level", "c-level": "C-level"}
# Whole values with a set name (the contract's regions among them).
VALUES = {"true": "Yes", "false": "No", "unknown": "Unknown", "c_level": "C-level",
          "north_america": "North America", "middle_east_africa": "Middle East & Africa"}
CODE = re.compile(r"^[a-z][a-z0-9]*(?:[ _\-][a-z0-9]+)*$")  # lower-case words, " ", _ or -


def plain(value: object) -> str:
    """A value as marketers read it: codes (lower case, words joined by ``_``) become words with
    a capital first letter and known acronyms in capitals; anything else stays as it is.
    ``plain("organic_search")`` is "Organic search", ``plain("it")`` is "IT", ``plain("true")``
    is "Yes"; "Google", "51-200" and "0-3 months" stay as they are."""
    text = str(value)
    if text in VALUES:
        return VALUES[text]
    if not CODE.match(text) or not any(c.isalpha() for c in text):
        return text
    words = [WORDS.get(w, w) for w in text.replace("_", " ").split(" ")]
    first = words[0]
    words[0] = first if first in WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


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
