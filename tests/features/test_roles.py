"""Column roles: placeholders, labels, inference, the printed table and the YAML round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.contract import ContractError
from features.flat import flat_features
from features.roles import (
    Mapping,
    blank_placeholders,
    format_role_table,
    infer_mapping,
    parse_labels,
    parse_numbers,
    role_table,
    tokens,
)


def small_export(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "Prospect ID": [f"p{i:04d}" for i in range(n)],
        "Lead Number": [str(1000 + i) for i in range(n)],
        "Created Date": [f"2026-01-{1 + i % 28:02d}" for i in range(n)],
        "Lead Source": rng.choice(["Google", "Referral", "Select"], n),
        "TotalVisits": [str(v) for v in rng.integers(0, 9, n)],
        "Time on Site": [f"{v:.1f}" for v in rng.random(n) * 100],
        "Do Not Email": rng.choice(["Yes", "No"], n),
        "Notes": [f"called them on day {i} and they said many things" for i in range(n)],
        "Search": ["No"] * n,
        "Converted": rng.choice(["1", "0"], n),
    }).astype("str")


@pytest.mark.parametrize(("value", "missing"), [("Select", True), ("N/A", True), ("-", True),
                                                ("", True), ("  Select ", True), ("Google", False),
                                                ("0", False)])
def test_placeholders_mean_missing(value, missing):
    out = blank_placeholders(pd.Series([value]), Mapping({"a": "categorical"}).placeholders)
    assert bool(out.isna().iloc[0]) is missing


def test_placeholder_list_is_configurable():
    out = blank_placeholders(pd.Series(["Select", "Nope"]), ("Nope",))
    assert out.tolist()[0] == "Select" and pd.isna(out.iloc[1])


@pytest.mark.parametrize("values", [["1", "0", "1"], ["Yes", "no", "YES"],
                                    ["true", "False", "TRUE"],
                                    ["Converted", "Not converted", "converted"]])
def test_known_label_spellings(values):
    assert parse_labels(pd.Series(values, name="Converted")).tolist() == [1.0, 0.0, 1.0]


def test_blank_labels_are_left_out_not_zero():
    labels = parse_labels(pd.Series(["1", "", "Select", "0"], name="Converted"))
    assert labels.iloc[0] == 1.0 and labels.iloc[3] == 0.0 and labels.iloc[1:3].isna().all()


def test_ambiguous_label_asks_for_positive():
    series = pd.Series(["Won", "Lost", "Open"], name="Outcome")
    with pytest.raises(ContractError, match=r"'Outcome' is ambiguous.*--positive"):
        parse_labels(series)
    assert parse_labels(series, positive="won").tolist() == [1.0, 0.0, 0.0]
    with pytest.raises(ContractError, match="not one of its values"):
        parse_labels(series, positive="Maybe")


@pytest.mark.parametrize(("text", "decimal", "number"), [("1,234.5", ".", 1234.5),
                                                         ("$40,000", ".", 40000.0),
                                                         ("12%", ".", 12.0),
                                                         ("1,5", ",", 1.5),
                                                         ("1.234,5", ",", 1234.5),
                                                         ("abc", ".", np.nan)])
def test_numbers_parse_with_either_decimal_mark(text, decimal, number):
    np.testing.assert_equal(parse_numbers(pd.Series([text]), decimal).iloc[0], number)


def test_roles_are_inferred_from_names_and_values():
    mapping = infer_mapping(small_export(), "Converted")
    assert mapping.roles == {
        "Prospect ID": "id", "Lead Number": "ignore", "Created Date": "timestamp",
        "Lead Source": "categorical", "TotalVisits": "numeric", "Time on Site": "numeric",
        "Do Not Email": "boolean", "Notes": "text", "Search": "ignore", "Converted": "label"}
    assert (mapping.id_column, mapping.time_column) == ("Prospect ID", "Created Date")


def test_role_table_shows_examples_missing_share_and_distinct_counts():
    frame = small_export()
    mapping = infer_mapping(frame, "Converted")
    table = role_table(frame, mapping).set_index("column")
    share = (frame["Lead Source"] == "Select").mean() * 100
    assert table.loc["Lead Source", "missing_pct"] == pytest.approx(share, abs=0.1)
    assert table.loc["Lead Source", "distinct"] == 2
    text = format_role_table(role_table(frame, mapping), mapping)
    assert "Prospect ID" in text and "id (id)" in text and "timestamp (time)" in text


def test_edited_yaml_mapping_is_honoured(tmp_path):
    frame = small_export()
    mapping = infer_mapping(frame, "Converted", id_column="Lead Number")
    path = mapping.save(tmp_path / "mapping.yaml")
    text = path.read_text().replace("TotalVisits: numeric", "TotalVisits: categorical")
    text = text.replace("Lead Source: categorical", "Lead Source: ignore")
    path.write_text(text)
    loaded = Mapping.load(path)
    assert loaded.id_column == "Lead Number" and loaded.target == "Converted"
    x = flat_features(frame, loaded)
    assert "Lead Source" not in x.columns
    assert x["TotalVisits"].dtype == "str"
    assert Mapping.from_dict(loaded.to_dict()) == loaded


def test_a_mapping_with_an_unknown_role_is_refused():
    with pytest.raises(ContractError, match="unknown role"):
        Mapping({"a": "numerical"})


@pytest.mark.parametrize(("name", "words"),
                         [("LastNotableActivity", ["last", "notable", "activity"]),
                          ("Lead Quality", ["lead", "quality"]),
                          ("lead_stage-2", ["lead", "stage", "2"])])
def test_column_names_split_into_words(name, words):
    assert tokens(name) == words
