"""Reading flat exports: delimiters, BOM, quoted fields, decimal commas, Parquet, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from features.contract import ContractError
from features.flat_read import read_flat


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"),
                                                 ("\t", "tab"), ("|", "pipe")])
def test_reads_any_delimiter_with_quoted_fields(tmp_path, delimiter, name):
    path = tmp_path / f"{name}.csv"
    rows = [["Lead Number", "Name", "Converted"], ["1", f'"Smith{delimiter} John"', "yes"],
            ["2", '"A ""quoted"" name"', "no"]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n", encoding="utf-8")
    flat = read_flat(path)
    assert flat.delimiter == delimiter
    assert list(flat.frame.columns) == ["Lead Number", "Name", "Converted"]
    assert flat.frame["Name"].tolist() == [f"Smith{delimiter} John", 'A "quoted" name']


def test_excel_export_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "excel.csv"
    text = "Lead Number;Time on Site;Country\r\n1;1,5;DE\r\n2;12,25;\r\n3;;FR\r\n"
    path.write_bytes(text.encode("utf-8-sig"))
    flat = read_flat(path)
    assert flat.frame.columns[0] == "Lead Number"  # no BOM glued to the first name
    assert (flat.delimiter, flat.decimal) == (";", ",")
    assert flat.frame["Country"].isna().tolist() == [False, True, False]  # blank -> missing


def test_a_row_with_too_many_fields_is_named_by_line(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")
    with pytest.raises(ContractError, match=r"broken.csv: line 3 has 3 fields, the header has 2"):
        read_flat(path)


def test_reads_parquet_as_text(tmp_path):
    path = tmp_path / "export.parquet"
    pd.DataFrame({"id": [1, 2], "visits": [3.5, None], "Converted": ["yes", "no"]}).to_parquet(path)
    flat = read_flat(path)
    assert flat.delimiter is None
    assert flat.frame["visits"].tolist()[0] == "3.5" and pd.isna(flat.frame["visits"].iloc[1])


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ContractError, match="no such file"):
        read_flat(tmp_path / "nope.csv")
