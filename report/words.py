"""Plain names for the codes of an export, the one helper the whole report writes values with.

``plain("organic_search")`` is "Organic search", ``plain("it")`` is "IT", ``plain("true")`` is
"Yes"; text that is already written for people ("Google", "51-200", "0-3 months") stays as it is.
``plain_names`` names a whole column's values at once and keeps the raw value wherever two codes
would read the same ("google" and "Google" in one export), so no two rows of a table merge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from report.tables import POOLED, UNKNOWN

# Words written in capitals, or in a fixed way, whatever the export's case.
WORDS = {"it": "IT", "hr": "HR", "ceo": "CEO", "cfo": "CFO", "cto": "CTO", "cmo": "CMO",
         "vp": "VP", "saas": "SaaS", "b2b": "B2B", "b2c": "B2C", "smb": "SMB", "usa": "USA",
         "us": "US", "uk": "UK", "eu": "EU", "emea": "EMEA", "apac": "APAC", "latam": "LATAM",
         "na": "NA", "seo": "SEO", "sem": "SEM", "ppc": "PPC", "crm": "CRM", "api": "API",
         "ai": "AI", "ml": "ML", "roi": "ROI", "ui": "UI", "ux": "UX", "qa": "QA",
         "c_level": "C-level", "c-level": "C-level"}
# Whole values with a set name.
VALUES = {"true": "Yes", "false": "No", "unknown": "Unknown", UNKNOWN: "Unknown",
          POOLED: "Other (rare values)", "c_level": "C-level"}
CODE = re.compile(r"^[a-z][a-z0-9]*(?:[ _\-][a-z0-9]+)*$")  # lower-case words, " ", _ or -


def plain(value: object) -> str:
    """A value as marketers read it: codes (lower case, words joined by ``_``) become words with
    a capital first letter and known acronyms in capitals; anything else stays as it is."""
    text = str(value)
    if text in VALUES:
        return VALUES[text]
    if not CODE.match(text) or not any(c.isalpha() for c in text):
        return text
    words = [WORDS.get(w, w) for w in text.replace("_", " ").split(" ")]
    first = words[0]
    words[0] = first if first in WORDS.values() else first[:1].upper() + first[1:]
    return " ".join(words)


def plain_names(values: Iterable[object]) -> dict[str, str]:
    """Raw value (as text) -> its plain name, for every distinct value; a value whose plain name
    another value also gets keeps its raw text (nothing merges)."""
    raw = list(dict.fromkeys(str(v) for v in values))
    named = {v: plain(v) for v in raw}
    seen: dict[str, int] = {}
    for name in named.values():
        seen[name] = seen.get(name, 0) + 1
    return {v: (name if seen[name] == 1 else v) for v, name in named.items()}
