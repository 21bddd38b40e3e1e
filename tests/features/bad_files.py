"""A corpus of bad input files, both shapes, made from the demo generator (fixed seed) and small
literal files, and what the product says about each.

Every case ends in one of two ways, never a traceback:

* ``error``: the CLI exits with code 2 and one line on stderr naming the file (and the line or
  column where there is one): ``leadconv validate`` for the event shape, ``leadconv train
  --dry-run`` for a flat export;
* ``account``: the data loads and every row is accounted for (``loaded = used + rejected`` per
  file for the event shape; ``rows = labelled + blank labels`` for a flat export), with the notes
  and reject reasons that say what happened.

``python -m tests.features.bad_files`` prints ``case -> message`` for every case.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EVENT_LEADS = 400  # leads kept from the demo export: enough rows, fast to load
FLAT_ROWS = 1500
DEMO = {"n_leads": 3000, "seed": 7}  # as tests/conftest.py SMALL_DEMO
FLAT = {"n_leads": 8000, "seed": 11}  # as tests/conftest.py FLAT_DEMO
GIB = 1 << 30


@dataclass
class Sources:
    """Clean demo exports the cases start from."""

    event: Path  # a folder
    flat: Path  # export.csv


@dataclass(frozen=True)
class Case:
    """One bad input: ``make(folder)`` writes it and returns the path to pass to the product."""

    name: str
    shape: str  # "event" (a folder) or "flat" (a file)
    expect: str  # "error" or "account"
    make: Callable[[Sources, Path], Path]
    pattern: str  # a regex the message must match
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    kind: str  # "error" or "account"
    message: str
    exit_code: int = 0
    stderr_lines: int = 0
    balanced: bool = True


# --- sources --------------------------------------------------------------------------------
def small_event_export(src: Path, dst: Path, n_leads: int = EVENT_LEADS) -> Path:
    """The first ``n_leads`` leads of an event-shape export with their activities and outcomes."""
    dst.mkdir(parents=True, exist_ok=True)
    leads = (src / "leads.csv").read_text().splitlines()[: n_leads + 1]
    ids = {line.split(",", 1)[0] for line in leads[1:]}
    (dst / "leads.csv").write_text("\n".join(leads) + "\n")
    for name in ("activities", "outcomes"):
        lines = (src / f"{name}.csv").read_text().splitlines()
        kept = [lines[0]] + [x for x in lines[1:] if x.split(",", 1)[0] in ids]
        (dst / f"{name}.csv").write_text("\n".join(kept) + "\n")
    return dst


def small_flat_export(src: Path, dst: Path, n_rows: int = FLAT_ROWS) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    lines = src.read_text().splitlines()[: n_rows + 1]
    dst.write_text("\n".join(lines) + "\n")
    return dst


# --- edits ----------------------------------------------------------------------------------
def _edit_lines(path: Path, edit: Callable[[int, str], str]) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(i, line) for i, line in enumerate(lines)) + "\n")


def _event(src: Sources, folder: Path) -> Path:
    out = folder / "export"
    shutil.copytree(src.event, out)
    return out


def _flat(src: Sources, folder: Path) -> Path:
    out = folder / "export.csv"
    shutil.copy(src.flat, out)
    return out


def _reformat_dates(path: Path, column: int, fmt: Callable[[str], str]) -> None:
    """Rewrite an ISO date column (by position) with ``fmt(iso_text)``."""
    def edit(i: int, line: str) -> str:
        if i == 0:
            return line
        cells = line.split(",")
        if cells[column]:
            cells[column] = fmt(cells[column])
        return ",".join(cells)
    _edit_lines(path, edit)


def _us_excel(iso: str) -> str:  # 2025-04-01T13:08:27Z -> 4/1/2025 1:08 PM
    y, m, d, hh, mm = int(iso[:4]), int(iso[5:7]), int(iso[8:10]), int(iso[11:13]), iso[14:16]
    half = "PM" if hh >= 12 else "AM"
    return f"{m}/{d}/{y} {hh % 12 or 12}:{mm} {half}"


def _day_first(iso: str) -> str:  # 2025-04-01 03:48 -> 01/04/2025 03:48
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}{iso[10:16].replace('T', ' ')}"


def _excel_serial(iso: str) -> str:
    from datetime import datetime

    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=None)
    return f"{(moment - datetime(1899, 12, 30)).total_seconds() / 86400:.2f}"


# --- event-shape cases ----------------------------------------------------------------------
def ev_padded_2gb(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    with (out / "leads.csv").open("r+b") as handle:  # sparse: no disk used
        handle.truncate(2 * GIB + 1)
    return out


def ev_nul_bytes(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "activities.csv", lambda i, x: x + "\x00\x00" if i == 4 else x)
    return out


def ev_long_line(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "leads.csv", lambda i, x: x + "A" * (2 << 20) if i == 2 else x)
    return out


def ev_excel_us_dates(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _reformat_dates(out / "leads.csv", 1, _us_excel)
    return out


def ev_day_first_dates(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _reformat_dates(out / "leads.csv", 1, _day_first)
    return out


def ev_both_orders(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _reformat_dates(out / "leads.csv", 1, _day_first)
    _edit_lines(out / "leads.csv", lambda i, x: re.sub(r",\d\d/\d\d/2025", ",03/31/2025", x,
                                                       count=1) if i == 1 else x)
    return out


def ev_excel_serials(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _reformat_dates(out / "leads.csv", 1, _excel_serial)
    return out


def ev_header_only_leads(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    lines = (out / "leads.csv").read_text().splitlines()
    (out / "leads.csv").write_text(lines[0] + "\n")
    return out


def ev_duplicate_header(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "leads.csv", lambda i, x: x.replace(",industry,", ",source,", 1)
                if i == 0 else x)
    return out


def ev_semicolons(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "leads.csv", lambda i, x: x.replace(",", ";"))
    return out


def ev_out_of_range_years(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "leads.csv", lambda i, x: re.sub(r",20\d\d-", ",9999-", x, count=1)
                if i in (3, 7) else x)
    _edit_lines(out / "activities.csv", lambda i, x: re.sub(r",20\d\d-", ",0001-", x, count=1)
                if i in (2, 5, 9) else x)
    return out


def ev_stage_aliases(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    words = {"top": "TOFU", "middle": "mofu", "bottom": "Bottom of Funnel"}
    _edit_lines(out / "activities.csv",
                lambda i, x: re.sub(r",(top|middle|bottom)$", lambda m: "," + words[m[1]], x))
    return out


def ev_two_way_dates(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "activities.csv", lambda i, x: re.sub(
        r",20(\d\d)-\d\d-\d\dT[^,]*,", r",03/04/20\1,", x, count=1) if i in (1, 2, 3) else x)
    return out


def ev_two_way_dates_day_first_leads(src: Sources, folder: Path) -> Path:
    out = ev_two_way_dates(src, folder)
    _reformat_dates(out / "leads.csv", 1, _day_first)
    return out


def ev_garbled_rows(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    _edit_lines(out / "activities.csv", lambda i, x: x + ",extra,fields" if i % 10 == 5 else x)
    return out


def ev_empty_file(src: Sources, folder: Path) -> Path:
    out = _event(src, folder)
    (out / "outcomes.csv").write_text("")
    return out


def ev_binary(src: Sources, folder: Path) -> Path:
    import random

    out = _event(src, folder)
    (out / "leads.csv").write_bytes(random.Random(7).randbytes(50_000))
    return out


# --- flat cases -----------------------------------------------------------------------------
def fl_padded_2gb(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    with out.open("r+b") as handle:
        handle.truncate(2 * GIB + 1)
    return out


def fl_nul_bytes(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: x.replace(",", ",\x00", 1) if i == 9 else x)
    return out


def fl_long_line(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: x.replace(",", "," + "B" * (2 << 20), 1) if i == 3 else x)
    return out


def fl_duplicate_header(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: x.replace(",Country,", ",Lead Source,", 1) if i == 0 else x)
    return out


def fl_header_only(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    out.write_text(out.read_text().splitlines()[0] + "\n")
    return out


def fl_garbled_rows(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: x.replace(",", ",x,", 1) if i % 10 == 3 else x)
    return out


def fl_day_first(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _reformat_dates(out, 1, _day_first)
    return out


def fl_semicolon_decimal_comma(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: re.sub(r"(\d)\.(\d)", r"\1,\2", x.replace(",", ";")))
    return out


def fl_label_mix(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    words = {"1": "yes", "0": "no"}
    _edit_lines(out, lambda i, x: x[:-1] + words[x[-1]] if i and i % 2 and x[-1] in words
                else x)
    return out


def fl_label_words(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    words = {"1": "Won", "0": "Lost"}
    _edit_lines(out, lambda i, x: x[:-1] + (words[x[-1]] if i % 7 else "Open") if i else x)
    return out


def fl_excel_serial_times(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _reformat_dates(out, 1, lambda v: _excel_serial(v.replace(" ", "T") + ":00Z"))
    return out


def fl_year_9999(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: re.sub(r",20\d\d-", ",9999-", x, count=1) if i in (5, 50) else x)
    return out


def fl_contact_columns(src: Sources, folder: Path) -> Path:
    out = _flat(src, folder)
    _edit_lines(out, lambda i, x: ("Email,Full Name,Phone," + x) if i == 0 else
                f"jane.doe{i}@example.com,Jane Doe{i},+44 20 7946 {i:04d}," + x)
    return out


def literal(text: str, name: str = "export.csv") -> Callable[[Sources, Path], Path]:
    """A small literal flat file."""
    def make(src: Sources, folder: Path) -> Path:
        out = folder / name
        out.write_text(text)
        return out
    return make


AMBIGUOUS = "id,MQL Date,Visits,Converted\n" + "".join(
    f"{i},{(i % 12) + 1:02d}/{(i % 11) + 1:02d}/2026,{i % 5},{i % 2}\n" for i in range(1, 200))
BOTH_ORDERS = "id,MQL Date,Visits,Converted\n1,31/01/2026,3,1\n2,01/31/2026,4,0\n" + "".join(
    f"{i},01/01/2026,{i % 5},{i % 2}\n" for i in range(3, 200))

CASES: list[tuple[str, str, str, Callable[[Sources, Path], Path], str, tuple[str, ...]]] = [
    ("event: leads.csv padded with NUL bytes to 2 GiB", "event", "error", ev_padded_2gb,
     r"leads\.csv: 2\.0 GiB is larger than the limit", ()),
    ("event: NUL bytes in activities.csv", "event", "error", ev_nul_bytes,
     r"activities\.csv: line 5 holds a NUL byte", ()),
    ("event: a 2 MiB line in leads.csv", "event", "error", ev_long_line,
     r"leads\.csv: line 3 is longer than 1\.0 MiB", ()),
    ("event: Excel-style US dates (4/1/2025 1:08 PM)", "event", "account", ev_excel_us_dates,
     r"mql_at: read as month-first", ()),
    ("event: day-first dates (01/04/2025)", "event", "account", ev_day_first_dates,
     r"mql_at: read as day-first \(\d\d/\d\d/\d{4}[^)]* seen\)", ()),
    ("event: day-first dates forced month-first", "event", "error", ev_day_first_dates,
     r"leads\.csv: .* rows .* cannot be used.*mql_at: unparsable date", ("--monthfirst",)),
    ("event: day-first and month-first in one column", "event", "error", ev_both_orders,
     r"leads\.csv: mql_at: dates are written both day-first \('.+'\) and month-first", ()),
    ("event: Excel serial numbers as dates", "event", "error", ev_excel_serials,
     r"leads\.csv: .*cannot be used.*Excel serial date number would be", ()),
    ("event: header-only leads.csv", "event", "error", ev_header_only_leads,
     r"leads\.csv: no data rows", ()),
    ("event: duplicated header", "event", "error", ev_duplicate_header,
     r"leads\.csv: duplicate column 'source' \(columns 3 and 4\)", ()),
    ("event: ';'-separated leads.csv", "event", "error", ev_semicolons,
     r"leads\.csv: read as one column .* looks ';'-separated", ()),
    ("event: years 9999 and 1", "event", "account", ev_out_of_range_years,
     r"rejected 2 in leads\.csv \[mql_at\]: date out of range", ()),
    ("event: content_stage tofu/mofu/Bottom of Funnel", "event", "account", ev_stage_aliases,
     r"activities\.csv: [\d,]+ rows loaded = [\d,]+ used \+ 0 rejected", ()),
    ("event: dates that read two ways (03/04/2025)", "event", "account", ev_two_way_dates,
     r"occurred_at: dates such as '03/04/20\d\d' could be day-first or month-first", ()),
    ("event: dates that read two ways, day-first leads", "event", "account",
     ev_two_way_dates_day_first_leads,
     r"occurred_at: read as day-first like mql_at, where \d\d/\d\d/\d{4}[^,]* was seen", ()),
    ("event: 10% of activities with extra fields", "event", "error", ev_garbled_rows,
     r"activities\.csv: [\d,]+ of [\d,]+ rows do not have the header's 4 fields .* line\(s\) 6, "
     r"16", ()),
    ("event: empty outcomes.csv", "event", "error", ev_empty_file,
     r"outcomes\.csv: cannot be read: No columns to parse", ()),
    ("event: random bytes as leads.csv", "event", "error", ev_binary,
     r"leads\.csv: line \d+ holds a NUL byte", ()),
    ("flat: export padded with NUL bytes to 2 GiB", "flat", "error", fl_padded_2gb,
     r"export\.csv: 2\.0 GiB is larger than the limit", ()),
    ("flat: NUL bytes", "flat", "error", fl_nul_bytes, r"export\.csv: line 10 holds a NUL", ()),
    ("flat: a 2 MiB field", "flat", "error", fl_long_line,
     r"export\.csv: line 4 is longer than 1\.0 MiB", ()),
    ("flat: duplicated header", "flat", "error", fl_duplicate_header,
     r"export\.csv: duplicate column 'Lead Source' \(columns 3 and 5\)", ()),
    ("flat: header only", "flat", "error", fl_header_only, r"export\.csv: no data rows", ()),
    ("flat: 10% garbled rows", "flat", "error", fl_garbled_rows,
     r"export\.csv: 150 of 1,500 rows do not have the header's 37 fields .* line\(s\) 4, 14", ()),
    ("flat: day-first MQL Date", "flat", "account", fl_day_first,
     r"MQL Date: read as day-first \(\d\d/\d\d/\d{4}", ()),
    ("flat: ';' and decimal commas", "flat", "account", fl_semicolon_decimal_comma,
     r"delimiter ';', decimal mark ','", ()),
    ("flat: label mixing 0/1 and yes/no", "flat", "error", fl_label_mix,
     r"mixes spellings of yes/no: '0', '1', 'no', 'yes'\. If 1,yes mean converted, pass "
     r"--positive 1,yes", ()),
    ("flat: label mixing 0/1 and yes/no, --positive 1,yes", "flat", "account", fl_label_mix,
     r"labels from 'Converted': \d+ converted", ("--positive", "1,yes")),
    ("flat: label Won/Lost/Open", "flat", "error", fl_label_words,
     r"is ambiguous: .* e\.g\. --positive 'won'", ()),
    ("flat: Excel serial numbers as MQL Date", "flat", "error", fl_excel_serial_times,
     r"export\.csv: 1,500 of 1,500 values of the time column are not usable dates .*Excel "
     r"serial date number", ("--time-column", "MQL Date")),
    ("flat: two MQL Dates in year 9999", "flat", "account", fl_year_9999,
     r"2 of 1,500 values of the time column are not usable dates \(lines 6, 51\): MQL Date: "
     r"date '9999-.*those rows are left out", ()),
    ("flat: day/month order undecidable", "flat", "error", literal(AMBIGUOUS),
     r"export\.csv: MQL Date: cannot tell whether dates such as '.+' are day-first or month-first.*"
     r"--dayfirst or --monthfirst", ()),
    ("flat: day/month order undecidable, --dayfirst", "flat", "account", literal(AMBIGUOUS),
     r"MQL Date: read as day-first \(as told\)", ("--dayfirst",)),
    ("flat: both orders in MQL Date", "flat", "error", literal(BOTH_ORDERS),
     r"export\.csv: MQL Date: dates are written both day-first \('31/01/2026'\) and month-first "
     r"\('01/31/2026'\)", ()),
    ("flat: label column missing", "flat", "error", literal("id,Visits,Won\n1,2,1\n2,3,0\n"),
     r"--target 'Converted' is not a column \(columns: id, Visits, Won\)", ()),
    ("flat: empty file", "flat", "error", literal(""), r"export\.csv: cannot be read: No columns",
     ()),
    ("flat: contact columns in the roles table", "flat", "account", fl_contact_columns,
     r"j\*\*\*@e\*\*\*\.com", ()),
]


def cases() -> list[Case]:
    return [Case(name, shape, expect, make, pattern, options)
            for name, shape, expect, make, pattern, options in CASES]


# --- running --------------------------------------------------------------------------------
def _cli(argv: list[str]) -> tuple[int, str, str]:
    from cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _account_event(path: Path, options: tuple[str, ...]) -> Outcome:
    from features.contract import load_crm

    order = {"--dayfirst": "dayfirst", "--monthfirst": "monthfirst"}
    crm = load_crm(path, date_order=next((order[o] for o in options if o in order), None),
                   max_reject_fraction=0.5)  # type: ignore[arg-type]
    balanced = all(c.loaded == c.used + c.rejected for c in crm.report.counts)
    return Outcome("account", crm.report.summary(), balanced=balanced)


def _account_flat(path: Path, options: tuple[str, ...]) -> Outcome:
    from training.config import TrainConfig
    from training.flat_data import FlatData

    said: list[str] = []
    given = dict(zip(options[::2], options[1::2], strict=False))
    order = "dayfirst" if "--dayfirst" in options else None
    data = FlatData(path, "Converted", positive=given.get("--positive"), date_order=order,
                    time_column=given.get("--time-column"))
    labelled = data.load(TrainConfig(min_positives=1, min_negatives=1), said.append)
    n_rows = len(data.flat.frame)
    balanced = len(labelled.frame) + data.n_unlabelled + data.n_bad_times == n_rows
    said.append(f"{n_rows:,} rows = {len(labelled.frame):,} labelled + {data.n_unlabelled:,} "
                f"blank labels + {data.n_bad_times:,} unusable times")
    return Outcome("account", "\n".join(said), balanced=balanced)


def run(case: Case, src: Sources, folder: Path) -> Outcome:
    """Write the case into ``folder`` and run it: through the CLI for an expected error, through
    the library for an expected account. An unexpected exception propagates (a test failure)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = case.make(src, folder)
    if case.expect == "account":
        return (_account_event if case.shape == "event" else _account_flat)(path, case.options)
    if case.shape == "event":
        argv = ["validate", "--data", str(path), "--rejects", str(folder / "rejects.csv")]
    else:
        argv = ["train", "--data", str(path), "--target", "Converted", "--dry-run",
                "--workdir", str(folder), "--models-dir", str(folder / "models")]
    code, _, err = _cli([*argv, *case.options])
    return Outcome("error", err.strip().removeprefix("leadconv: error: "), exit_code=code,
                   stderr_lines=len(err.splitlines()))


def make_sources(folder: Path) -> Sources:
    """The clean demo exports, cut small (same seeds as the test fixtures)."""
    from demodata.files import write_demo
    from demodata.flat import write_flat_demo

    write_demo(folder / "demo", **DEMO)
    write_flat_demo(folder / "flat_demo", **FLAT)
    return Sources(small_event_export(folder / "demo", folder / "event"),
                   small_flat_export(folder / "flat_demo" / "export.csv",
                                     folder / "flat" / "export.csv"))


def main() -> int:
    """Print ``case -> message`` (the first line of an account) for every case."""
    with tempfile.TemporaryDirectory() as tmp:
        src = make_sources(Path(tmp))
        for i, case in enumerate(cases()):
            outcome = run(case, src, Path(tmp) / f"case{i}")
            lines = outcome.message.splitlines()
            hit = next((x for x in lines if re.search(case.pattern, x)), lines[0] if lines else "")
            sys.stdout.write(f"{case.name} -> [{outcome.kind}] {hit.strip()}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
