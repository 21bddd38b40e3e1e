"""Checks on a file before it is parsed, in bounded memory: what would otherwise run out of memory,
hang, or lose data silently stops here with one line naming the file (and the line or column).

* size: a file larger than ``FileLimits.max_bytes`` is refused before anything is read;
* a streaming scan in blocks of ``BLOCK`` bytes: a NUL byte (binary data, a padded or corrupt
  file) or a line longer than ``FileLimits.max_line_bytes`` stops with the line number;
* the header: duplicate names (pandas would rename the second to ``source.1`` and its data would
  be lost to the contract), no data rows, and a file that reads as one column although its header
  holds another delimiter ("looks ';'-separated").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from features.rejects import ContractError

BLOCK = 1 << 20
GIB = 1 << 30
MIB = 1 << 20
OTHER_DELIMITERS = {";": "';'", "\t": "tab", "|": "'|'", ",": "','"}


@dataclass(frozen=True)
class FileLimits:
    """Limits on an input file. ``max_bytes`` (default 1 GiB: some 15 million activity rows, read
    into a few GiB of memory) is raised with ``--max-file-mb``; ``max_line_bytes`` (1 MiB) is far
    above any real CRM row."""

    max_bytes: int = GIB
    max_line_bytes: int = MIB

    @classmethod
    def from_mb(cls, max_file_mb: int | None) -> FileLimits:
        return cls() if max_file_mb is None else cls(max_bytes=int(max_file_mb) * MIB)


DEFAULT_LIMITS = FileLimits()


def _size(n: int) -> str:
    return f"{n / GIB:.1f} GiB" if n >= GIB else f"{n / MIB:.1f} MiB"


def prescan(path: Path, limits: FileLimits = DEFAULT_LIMITS, *, text: bool = True) -> None:
    """Refuse ``path`` when it is too large, holds a NUL byte or an overlong line (text files).

    Reads at most one block at a time, so a 2 GB file costs 1 MiB of memory.

    Raises:
        ContractError: one line naming the file and, for NUL bytes and long lines, the line.
    """
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ContractError(f"{path.name}: {_size(size)} is larger than the limit of "
                            f"{_size(limits.max_bytes)} (raise it with --max-file-mb)")
    if not text:
        return
    # Blocks no longer than the line limit: a line inside one block is within the limit, so only
    # the line running across block boundaries needs counting (C-speed find/count, no split).
    size = max(1, min(BLOCK, limits.max_line_bytes))
    line, line_len = 1, 0
    with path.open("rb") as handle:
        while block := handle.read(size):
            nul = block.find(b"\x00")
            if nul >= 0:
                where = line + block.count(b"\n", 0, nul)
                raise ContractError(f"{path.name}: line {where:,} holds a NUL byte: binary or "
                                    f"padded data, not a text (CSV) export")
            first = block.find(b"\n")
            if first >= 0 and line_len + first <= limits.max_line_bytes:
                line += block.count(b"\n")
                line_len = len(block) - block.rfind(b"\n") - 1
            else:
                line_len += len(block) if first < 0 else first
            if line_len > limits.max_line_bytes:
                raise ContractError(f"{path.name}: line {line:,} is longer than "
                                    f"{_size(limits.max_line_bytes)}: not a CSV export of "
                                    f"leads (or a quote is never closed)")


def check_header(names: Sequence[str], file: str) -> None:
    """Duplicate column names (after trimming) are an error naming both positions."""
    seen: dict[str, int] = {}
    for position, name in enumerate(names, start=1):
        key = str(name).strip()
        if key in seen:
            raise ContractError(f"{file}: duplicate column {key!r} (columns {seen[key]} and "
                                f"{position}); rename or drop one, its data would be lost")
        seen[key] = position


def delimiter_hint(header: Sequence[str], delimiter: str) -> str:
    """', looks ';'-separated' when a one-column header holds another delimiter; else ''."""
    if len(header) != 1:
        return ""
    counts = {d: str(header[0]).count(d) for d in OTHER_DELIMITERS if d != delimiter}
    best = max(counts, key=lambda d: counts[d])
    if counts[best] == 0:
        return ""
    return f"; the file looks {OTHER_DELIMITERS[best]}-separated, expected {delimiter!r}"


def read_header(path: Path, delimiter: str = ",", encoding: str = "utf-8-sig") -> list[str]:
    """The header fields of a CSV file (reads only its first record)."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        return next(csv.reader(handle, delimiter=delimiter), [])


def count_bad_rows(text: str, delimiter: str) -> tuple[int, list[int], int]:
    """(header width, CSV line numbers of records whose field count differs, records read)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    width, bad, n = None, [], 0
    for row in reader:
        if width is None:
            width = len(row)
            continue
        if row:
            n += 1
            if len(row) != width:
                bad.append(reader.line_num)
    return width or 0, bad, n


def bad_rows_message(file: str, width: int, bad: list[int], n: int, delimiter: str) -> str:
    """One line: how many records have the wrong number of fields, and their first lines."""
    shown = ", ".join(map(str, bad[:8])) + (", ..." if len(bad) > 8 else "")
    return (f"{file}: {len(bad):,} of {n:,} rows do not have the header's {width} fields "
            f"(delimiter {delimiter!r}), at line(s) {shown}: the file is garbled or has unquoted "
            f"delimiters; fix or remove those rows")


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (parser messages may end in a newline)."""
    return " ".join(str(exc).split())


__all__ = ["DEFAULT_LIMITS", "FileLimits", "bad_rows_message", "check_header", "count_bad_rows",
           "delimiter_hint", "one_line", "prescan", "read_header"]
