"""flat_features: placeholders, yes/no, vocabularies (rare, >255, unseen), the demo export."""

from __future__ import annotations

import numpy as np
import pandas as pd

from demodata.flat import ID_COLUMN, LEAKY_COLUMNS, TARGET, TIME_COLUMN
from features.flat import OTHER, flat_features, learn_vocabularies
from features.flat_read import read_flat
from features.roles import Mapping


def test_values_become_numbers_flags_and_text():
    frame = pd.DataFrame({"visits": ["3", "Select", "1,200"], "optin": ["Yes", "no", "-"],
                          "source": ["Google", "N/A", "Referral"]}, dtype="str")
    mapping = Mapping({"visits": "numeric", "optin": "boolean", "source": "categorical"})
    x = flat_features(frame, mapping)
    assert list(x.columns) == ["visits", "optin", "source"]
    np.testing.assert_array_equal(x["visits"], [3.0, np.nan, 1200.0])
    np.testing.assert_array_equal(x["optin"], [1.0, 0.0, np.nan])
    assert x["source"].iloc[0] == "Google" and pd.isna(x["source"].iloc[1])


def test_hundreds_of_categories_are_capped_and_unseen_values_become_other():
    rng = np.random.default_rng(1)
    pages = [f"LP-{i:04d}" for i in rng.zipf(1.2, 20_000) % 900]
    frame = pd.DataFrame({"page": pages}, dtype="str")
    assert frame["page"].nunique() > 255
    mapping = learn_vocabularies(frame, Mapping({"page": "categorical"}, min_category_count=5))
    assert 0 < len(mapping.vocabularies["page"]) <= 254
    x = flat_features(pd.concat([frame, pd.DataFrame({"page": ["LP-never-seen"]})],
                                ignore_index=True), mapping)
    assert x["page"].nunique() <= 255
    assert x["page"].iloc[-1] == OTHER


def test_rare_values_are_pooled_into_other():
    frame = pd.DataFrame({"c": ["a"] * 30 + ["b"] * 3}, dtype="str")
    mapping = learn_vocabularies(frame, Mapping({"c": "categorical"}, min_category_count=20))
    assert mapping.vocabularies["c"] == ["a"]
    assert flat_features(frame, mapping)["c"].iloc[-1] == OTHER


def test_flat_demo_export_looks_like_a_crm_list(flat_demo_dir):
    flat = read_flat(flat_demo_dir / "export.csv")
    frame = flat.frame
    assert frame[ID_COLUMN].is_unique
    assert set(frame[TARGET]) == {"0", "1"}
    assert {TIME_COLUMN, *LEAKY_COLUMNS} <= set(frame.columns)
    assert (frame["Budget Band"] == "Select").mean() > 0.3  # unanswered form fields
    assert set(frame["Do Not Email"]) == {"Yes", "No"}
    assert frame["Landing Page ID"].nunique() > 255
    truth = pd.read_csv(flat_demo_dir / "truth.csv")
    assert len(truth) == len(frame) and truth["p_true"].between(0, 1).all()
    # Only leads whose 90-day horizon is over are written: nothing is a guessed 0.
    newest = pd.to_datetime(frame[TIME_COLUMN]).max()
    assert newest <= pd.Timestamp("2026-10-01") - pd.Timedelta(days=90)


def test_text_in_number_and_yes_no_columns_is_counted_not_lost_silently():
    from features.flat import unreadable_cells

    frame = pd.DataFrame({"visits": ["3", "Select", "lots", "lots", "many"],
                          "optin": ["Yes", "maybe", "no", "-", "Y"],
                          "source": ["Google", "N/A", "x", "y", "z"]}, dtype="str")
    mapping = Mapping({"visits": "numeric", "optin": "boolean", "source": "categorical"})
    x = flat_features(frame, mapping)
    found = {column: (count, shown) for column, count, shown in unreadable_cells(frame, x, mapping)}
    assert found == {"visits": (3, ["lots", "many"]), "optin": (1, ["maybe"])}
