"""Plain names for the codes of an export, the one helper the whole report writes values with.

``plain("organic_search")`` is "Organic search", ``plain("it")`` is "IT", ``plain("true")`` is
"Yes"; text that is already written for people ("Google", "51-200", "0-3 months") stays as it is.
``plain_names`` names a whole column's values at once and keeps the raw value wherever two codes
would read the same ("google" and "Google" in one export), so no two rows of a table merge.
"""

from __future__ import annotations

from collections.abc import Iterable

from features import words
from report.tables import POOLED, UNKNOWN

# The report's own placeholders, on top of ``features.words``.
VALUES = {UNKNOWN: "Unknown", POOLED: "Other (rare values)"}


def plain(value: object) -> str:
    """A value as marketers read it (``features.words.plain``, plus the report's placeholders
    for blank and pooled rare values)."""
    text = str(value)
    return VALUES[text] if text in VALUES else words.plain(text)


def plain_names(values: Iterable[object]) -> dict[str, str]:
    """Raw value (as text) -> its plain name, for every distinct value; a value whose plain name
    another value also gets keeps its raw text (nothing merges)."""
    raw = list(dict.fromkeys(str(v) for v in values))
    named = {v: plain(v) for v in raw}
    seen: dict[str, int] = {}
    for name in named.values():
        seen[name] = seen.get(name, 0) + 1
    return {v: (name if seen[name] == 1 else v) for v, name in named.items()}
