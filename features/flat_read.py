"""Reading a flat CRM export (one row per lead) robustly: CSV in any dialect, or Parquet.

CSV files are read as text (roles and types are decided later, by ``features.roles``):

* encoding UTF-8 with or without a byte-order mark (Excel writes one), falling back to cp1252;
* the delimiter is sniffed from the header and the first lines: ``,`` ``;`` tab or ``|``;
* fields may be quoted (``"Smith, John"``) with doubled quotes inside;
* Excel-style exports (``;`` delimiter and decimal commas such as ``1,5``) are recognised: the
  decimal mark is reported so numbers can be parsed (``FlatFile.decimal``).

Before parsing, the file is pre-scanned in bounded memory (``features.prescan``: size, NUL bytes,
overlong lines); duplicate header names, a file with no data rows, one that reads as a single
column of another delimiter and records with the wrong number of fields (counted, with their
line numbers) are errors. Every problem raises :class:`features.contract.ContractError` naming
the file and, where there is one, the line and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from features.contract import ContractError
from features.prescan import (
    DEFAULT_LIMITS,
    FileLimits,
    bad_rows_message,
    check_header,
    count_bad_rows,
    delimiter_hint,
    one_line,
    prescan,
)

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
    """The delimiter that splits the header and most of the next lines into the same, largest
    width (a few garbled lines do not hide it: they are counted later, by line)."""
    sample = text[:SNIFF_BYTES]
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    best, best_key = ",", (0, 0.0)
    for delimiter in DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            continue
        body = rows[1:-1] or rows  # the last sampled line may be cut
        width = len(rows[0])
        agree = sum(len(r) == width for r in body) / len(body)
        if width > 1 and agree >= 0.5 and (width, agree) > best_key:
            best, best_key = delimiter, (width, agree)
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
    """Count the records whose field count differs from the header's, naming their lines."""
    try:
        width, bad, n = count_bad_rows(text, delimiter)
    except csv.Error as exc:
        raise ContractError(f"{path.name}: cannot be read as CSV: {exc}") from exc
    if not bad:
        return
    if len(bad) == 1:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        fields = next(len(r) for r in reader if reader.line_num >= bad[0])
        raise ContractError(
            f"{path.name}: line {bad[0]} has {fields} fields, the header has {width} "
            f"(delimiter {delimiter!r}; quote fields that contain it)")
    raise ContractError(bad_rows_message(path.name, width, bad, n, delimiter))


def read_flat(path: str | Path, *, delimiter: str | None = None,
              limits: FileLimits = DEFAULT_LIMITS) -> FlatFile:
    """Read a flat export as text columns with blanks as missing.

    Args:
        path: a ``.csv`` (or ``.txt``/``.tsv``) or ``.parquet`` file.
        delimiter: force a delimiter instead of sniffing it.
        limits: the largest file and line accepted (``features.prescan``).

    Returns:
        FlatFile whose ``frame`` has one ``str`` column per header name (stripped), values
        stripped, empty fields missing. Placeholders such as "Select" are left as they are:
        the mapping decides what means missing.
    """
    path = Path(path)
    if not path.is_file():
        raise ContractError(f"{path}: no such file")
    is_parquet = path.suffix.lower() == ".parquet"
    prescan(path, limits, text=not is_parquet)
    if is_parquet:
        try:
            frame = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise ContractError(f"{path.name}: cannot be read as Parquet: {exc}") from exc
        frame = frame.astype({c: "str" for c in frame.columns}).where(frame.notna())
        encoding = None
    else:
        text, encoding = _decode(path.read_bytes(), path)
        delimiter = delimiter or sniff_delimiter(text)
        header = next(csv.reader(io.StringIO(text[:SNIFF_BYTES]), delimiter=delimiter), [])
        check_header(header, path.name)
        if hint := delimiter_hint(header, delimiter):
            raise ContractError(f"{path.name}: read as one column {header[0][:80]!r}{hint}")
        _check_rows(text, delimiter, path)
        try:
            frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype="str",
                                keep_default_na=False, na_values=[""], quotechar='"',
                                skipinitialspace=True)
        except (ValueError, pd.errors.ParserError) as exc:
            raise ContractError(f"{path.name}: cannot be read: {one_line(exc)}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    check_header(list(frame.columns), path.name)
    if frame.empty:
        raise ContractError(f"{path.name}: no data rows (only a header: "
                            f"{', '.join(map(str, frame.columns[:10]))})")
    frame = frame.apply(lambda s: s.str.strip().replace("", pd.NA) if s.dtype == "str" else s)
    frame = frame.astype("str").where(frame.notna())
    return FlatFile(frame, path, delimiter if encoding else None, encoding,
                    guess_decimal(frame, delimiter if encoding else None))


__all__ = ["FlatFile", "read_flat", "sniff_delimiter", "guess_decimal"]
