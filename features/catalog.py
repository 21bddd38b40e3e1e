"""The feature catalogue: every feature's stable name, family, kind and label in business words.

Families: ``firmographic``, ``demographic``, ``behaviour``, ``source``, ``declared`` (the BANT
fields a
lead filled in on a form). Kinds: ``numeric``, ``binary`` (0/1), ``categorical`` (text).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

FAMILIES = ("firmographic", "demographic", "behaviour", "source", "declared")
KINDS = ("numeric", "binary", "categorical")


@dataclass(frozen=True)
class FeatureSpec:
    """One model input: ``label`` is what a marketer reads ("Demo requests, last 30 days")."""

    name: str
    family: str
    kind: str
    label: str

    def __post_init__(self) -> None:
        if self.family not in FAMILIES or self.kind not in KINDS:
            raise ValueError(f"feature {self.name}: bad family {self.family!r} or kind "
                             f"{self.kind!r}")


def catalog_frame(specs: tuple[FeatureSpec, ...]) -> pd.DataFrame:
    """The catalogue as a table (name, family, kind, label), one row per feature, in order."""
    return pd.DataFrame([vars(s) for s in specs], columns=["name", "family", "kind", "label"])
