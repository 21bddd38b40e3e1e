"""Input fingerprints of the prediction log bin exactly as the reference profile does."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.fingerprint import bin_counts, fingerprints, representatives
from scoring.profile import (
    FEW_CATEGORIES,
    ReferenceProfile,
    categorical_profile,
    numeric_profile,
)


def profile_of(frame: pd.DataFrame) -> ReferenceProfile:
    return ReferenceProfile(
        features=[numeric_profile("visits", frame["visits"]),
                  categorical_profile("source", frame["source"])],
        score=numeric_profile("score", pd.Series(np.linspace(0, 1, 50))), n_leads=len(frame),
        label_rate=0.2)


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"visits": rng.poisson(3, 400).astype(float),
                          "source": rng.choice(["email", "referral", "event"], 400)})
    new = pd.DataFrame({"visits": np.r_[rng.poisson(6, 97).astype(float), np.nan, 1e6, -5],
                        "source": [*rng.choice(["email", "partner"], 98), None, "email"]})
    return train, new


def test_fingerprints_count_and_decode_as_the_profile_bins_the_values():
    train, new = frames()
    profile = profile_of(train)
    prints = fingerprints(profile, {c: new[c].to_numpy(dtype=object) for c in new.columns})
    assert len(prints) == len(new) and {len(p) for p in prints} == {2}
    counts = bin_counts(profile, prints)
    for column in profile.features:
        expected = column.bin_counts(new[column.name])
        assert counts[column.name].tolist() == expected.tolist()
        back = representatives(profile, prints)[column.name]
        assert column.bin_counts(back).tolist() == expected.tolist()
    assert "partner" not in set(representatives(profile, prints)["source"].dropna())


def test_a_fingerprint_of_another_profile_is_left_out():
    train, new = frames()
    profile = profile_of(train)
    counts = bin_counts(profile, ["0", None, "00000"])
    assert all(c.sum() == 0 for c in counts.values())
    assert representatives(profile, ["0"]).isna().all(axis=None)


def test_one_lead_at_a_time_gives_the_batch_s_fingerprints():
    """The service fingerprints a request's lead or two value by value: the same bins."""
    train, new = frames()
    profile = profile_of(train)
    columns = {c: new[c].to_numpy(dtype=object if c == "source" else "float64")
               for c in new.columns}
    batch = fingerprints(profile, columns)
    one_by_one = [fingerprints(profile, {c: v[i:i + 1] for c, v in columns.items()})[0]
                  for i in range(len(new))]
    assert one_by_one == batch


def test_categories_bin_alike_by_lookup_and_by_pandas():
    """Up to FEW_CATEGORIES values are binned by a dict lookup, more through pandas: the same
    bins, missing values of every kind included."""
    train, _ = frames()
    column = categorical_profile("source", train["source"])
    values = np.array(["email", "partner", None, np.nan, pd.NA, "event", 3.0, "referral", ""] * 300,
                      dtype=object)
    assert len(values) > FEW_CATEGORIES
    by_pandas = column.bin_index(values)
    by_lookup = np.concatenate([column.bin_index(values[i:i + 9])
                                for i in range(0, len(values), 9)])
    assert by_lookup.tolist() == by_pandas.tolist()
    assert set(by_pandas[:9].tolist()) == {0, 1, 2, 3, 4}  # three categories, other, missing
