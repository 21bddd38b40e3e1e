"""Reading a flat CRM export (one row per lead) robustly: CSV in any dialect, or Parquet.

CSV files are read as text (roles and types are decided later, by ``features.roles``):

* encoding UTF-8 with or without a byte-order mark (Excel writes one), falling back to cp1252;
* the delimiter is sniffed from the header and the first lines: ``,`` ``;`` tab or ``|``;
* fields may be quoted (``"Smith, John"``) with doubled quotes inside;
* Excel-style exports (``;`` delimiter and decimal commas such as ``1,5``) are recognised: the
  decimal mark is reported so numbers can be parsed (``FlatFile.decimal``).

Every problem raises :class:`features.contract.ContractError` naming the file and, where there is
one, the line and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.contract import ContractError

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
_DECIMAL_COMMA = re.compile(r"^\s*-?\d+,\d+\s*$")
_DECIMAL_POINT = re.compile(r"^\s*-?\d+\.\d+\s*$")


@dataclass(frozen=True)
class FlatFile:
    """The export as text columns (missing = NaN), and how it was read."""

    frame: pd.DataFrame
    path: Path
    delimiter: str | None  # None for Parquet
    encoding: str | None
    decimal: str  # "." or "," (Excel exports in many European locales)

    def describe(self) -> str:
        if self.delimiter is None:
            return (f"{self.path.name}: Parquet, {len(self.frame):,} rows x "
                    f"{self.frame.shape[1]} columns")
        name = {"\t": "tab"}.get(self.delimiter, repr(self.delimiter))
        return (f"{self.path.name}: CSV ({self.encoding}, delimiter {name}, decimal mark "
                f"{self.decimal!r}), {len(self.frame):,} rows x {self.frame.shape[1]} columns")


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    raise ContractError(f"{path.name}: not UTF-8 or Windows-1252 text")  # pragma: no cover


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header and the next lines into the same, largest width."""
    sample = text[:SNIFF_BYTES]
    lines = [line for line in sample.splitlines()[:20] if line.strip()]
    if not lines:
        return ","
    best, best_width = ",", 0
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        widths = {len(r) for r in rows[:-1] or rows}  # the last sampled line may be cut
        width = len(rows[0])
        if width > best_width and len(widths) == 1:
            best, best_width = delimiter, width
    return best


def guess_decimal(frame: pd.DataFrame, delimiter: str | None) -> str:
    """``","`` when numbers are written with decimal commas (only sensible without a ``,``
    delimiter) and no value uses a decimal point; else ``"."``."""
    if delimiter == ",":
        return "."
    comma = point = 0
    for column in frame.columns:
        values = frame[column].dropna().head(500).astype("str")
        comma += int(values.str.match(_DECIMAL_COMMA).sum())
        point += int(values.str.match(_DECIMAL_POINT).sum())
    return "," if comma > 0 and point == 0 else "."


def _check_rows(text: str, delimiter: str, path: Path) -> None:
    """Name the first line whose field count differs from the header's."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width = None
    for row in reader:
        if width is None:
            width = len(row)
            continue
        if row and len(row) != width:
            raise ContractError(
                f"{path.name}: line {reader.line_num} has {len(row)} fields, the header has "
                f"{width} (delimiter {delimiter!r}; quote fields that contain it)")


def read_flat(path: str | Path, *, delimiter: str | None = None) -> FlatFile:
    """Read a flat export as text columns with blanks as missing.

    Args:
        path: a ``.csv`` (or ``.txt``/``.tsv``) or ``.parquet`` file.
        delimiter: force a delimiter instead of sniffing it.

    Returns:
        FlatFile whose ``frame`` has one ``str`` column per header name (stripped), values
        stripped, empty fields missing. Placeholders such as "Select" are left as they are:
        the mapping decides what means missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ContractError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise ContractError(f"{path.name}: cannot be read as Parquet: {exc}") from exc
        frame = frame.astype({c: "str" for c in frame.columns}).where(frame.notna())
        encoding = None
    else:
        text, encoding = _decode(path.read_bytes(), path)
        delimiter = delimiter or sniff_delimiter(text)
        _check_rows(text, delimiter, path)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype="str",
                                keep_default_na=False, na_values=[""], quotechar='"',
                                skipinitialspace=True)
        except (ValueError, pd.errors.ParserError) as exc:
            raise ContractError(f"{path.name}: cannot be read: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise ContractError(f"{path.name}: duplicate column name(s) {duplicated}")
    frame = frame.apply(lambda s: s.str.strip().replace("", pd.NA) if s.dtype == "str" else s)
    frame = frame.astype("str").where(frame.notna())
    return FlatFile(frame, path, delimiter if encoding else None, encoding,
                    guess_decimal(frame, delimiter if encoding else None))


__all__ = ["FlatFile", "read_flat", "sniff_delimiter", "guess_decimal"]
