"""Contact data is masked in every console table: by the column's name or by its content."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contact import contact_kind, mask, mask_value
from features.flat import flat_features, unreadable_cells
from features.roles import format_role_table, infer_mapping, role_table

EXPORT = pd.DataFrame({
    "Lead Number": [str(i) for i in range(1, 7)],
    "E-mail Address": [f"jane.doe{i}@example.com" for i in range(6)],
    "Contact": ["Jane Doe", "John Roe", "Ann Lee", "Bo Li", "Cy Ng", "Di Wu"],
    "Mobile": ["+44 20 7946 0958", "+1 (555) 123-4567", "", "+33 1 23 45 67 89",
               "+49 30 123456", "+81 3 1234 5678"],
    "Notes": ["call me", "x", "y", "z", "w", "v"],
    "Visits": ["3", "4", "+1 (555) 765-4321", "2", "1", "5"],
    "Do Not Email": ["Yes", "No", "No", "No", "Yes", "No"],
    "Converted": ["1", "0", "1", "0", "1", "0"],
}, dtype="str")


def test_role_table_masks_contact_columns_by_name_and_content():
    mapping = infer_mapping(EXPORT, "Converted")
    text = format_role_table(role_table(EXPORT, mapping), mapping)
    assert "jane.doe" not in text and "@example.com" not in text
    assert "Jane Doe" not in text and "7946" not in text
    assert "j***@e***.com" in text and "J*** D***" in text and "<phone>" in text
    assert "Yes" in text  # an opt-in column named after email is not contact data


def test_examples_of_unreadable_cells_are_masked():
    mapping = infer_mapping(EXPORT, "Converted")
    mapping.roles["Visits"] = "numeric"
    cells = unreadable_cells(EXPORT, flat_features(EXPORT, mapping), mapping)
    assert cells == [("Visits", 1, ["<phone>"])]


@pytest.mark.parametrize(("name", "values", "kind"), [
    ("email", ["a@b.co"], "email"), ("Full Name", ["Jane Doe"], "name"),
    ("Company Name", ["Acme"], None), ("Email Opens", ["3", "4"], None),
    ("x", ["+1 555 123 4567", "(020) 7946 0958"], "phone"), ("Visits", ["1234567.5"], None),
])
def test_contact_kind(name, values, kind):
    assert contact_kind(name, values) == kind


def test_masks():
    assert mask("jane.doe@example.com", "email") == "j***@e***.com"
    assert mask_value("write to jane@example.com or +1 (555) 123-4567") == \
        "write to <email> or <phone>"
