"""Contact data (emails, personal names, phone numbers) never reaches a console table unmasked.

A column is contact data when its name says so (``email``, ``Phone``, ``Full Name``, the
contract's ``features.vocab.CONTACT_COLUMNS``) or when most of its values look like emails or
phone numbers. Its values are shown masked: ``j***@e***.com``, ``J*** S***``, ``<phone>``.
Single values that look like an email or phone are masked wherever they are shown
(``mask_value``), whatever their column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from features.vocab import CONTACT_COLUMNS

Kind = Literal["email", "phone", "name"]

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^(?:\+\d[\d\s().\-/]{5,}\d|\(?\d{2,5}\)?[\s.\-/]\d[\d\s.\-/]{3,}\d)$")
_WORDS: dict[str, Kind] = {"email": "email", "mail": "email", "e-mail": "email",
                           "phone": "phone", "mobile": "phone", "tel": "phone",
                           "telephone": "phone", "fax": "phone", "cell": "phone"}
# "name" means a person unless the name says whose: "Company Name", "Campaign Name", ...
_NOT_A_PERSON = {"company", "account", "campaign", "page", "product", "organisation",
                 "organization", "org", "source", "form", "file", "domain", "list", "event",
                 "industry", "stage", "owner", "user"}


def _tokens(name: str) -> set[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return {t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t}


def kind_by_name(name: str) -> Kind | None:
    """The contact kind a column name announces, if any."""
    plain = str(name).strip().lower()
    if plain in CONTACT_COLUMNS:
        return "email" if plain == "email" else "phone" if plain == "phone" else "name"
    words = _tokens(name)
    for word, kind in _WORDS.items():
        if word in words:
            return kind
    if words & {"name", "firstname", "lastname", "fullname", "surname", "contact"} and not (
            words & _NOT_A_PERSON):
        return "name"
    return None


def kind_by_values(values: Iterable[object]) -> Kind | None:
    """``email`` or ``phone`` when at least half of the (non-missing) values look like it."""
    text = [str(v).strip() for v in values if v is not None and not pd.isna(v)][:200]
    if not text:
        return None
    for kind, pattern in (("email", EMAIL), ("phone", PHONE)):
        if sum(bool(pattern.match(v)) for v in text) >= 0.5 * len(text):
            return kind  # type: ignore[return-value]
    return None


_PLAIN = re.compile(r"^(?:[-+]?\d+(?:[.,]\d+)?|yes|no|true|false|y|n|t|f)$", re.IGNORECASE)


def contact_kind(name: str, values: Iterable[object] = ()) -> Kind | None:
    """The contact kind of a column from its values, else from its name; None if not contact.

    A name such as ``Do Not Email`` or ``Email Opens`` over yes/no or numbers is not contact
    data; ``Full Name`` is, whatever its values.
    """
    shown = [str(v).strip() for v in values if v is not None and not pd.isna(v)][:200]
    by_values = kind_by_values(shown)
    if by_values:
        return by_values
    by_name = kind_by_name(name)
    if by_name in ("email", "phone") and shown and (
            sum(bool(_PLAIN.match(v)) for v in shown) >= 0.5 * len(shown)):
        return None
    return by_name


def mask(value: object, kind: Kind) -> str:
    """A value of a contact column, masked: ``j***@e***.com``, ``J*** S***``, ``<phone>``."""
    text = str(value).strip()
    if kind == "email" and EMAIL.match(text):
        local, domain = text.split("@", 1)
        tld = domain.rsplit(".", 1)[-1]
        return f"{local[:1]}***@{domain[:1]}***.{tld}"
    if kind == "name":
        return " ".join(f"{w[:1]}***" for w in text.split()[:3]) or "***"
    return f"<{kind}>"


_EMAIL_IN = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[A-Za-z]{2,}")
_PHONE_IN = re.compile(r"(?:\+|\(\d)[\d\s().\-/]{6,}\d")


def mask_value(value: object) -> str:
    """One value shown anywhere (examples of unreadable cells, free text, ...): masked if it
    looks like an email or a phone number; emails and phone numbers inside text are replaced
    by ``<email>`` / ``<phone>``."""
    text = str(value)
    kind = kind_by_values([text])
    if kind:
        return mask(text, kind)
    return _PHONE_IN.sub("<phone>", _EMAIL_IN.sub("<email>", text))


__all__ = ["contact_kind", "kind_by_name", "kind_by_values", "mask", "mask_value"]
