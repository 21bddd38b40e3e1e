"""No bad file reaches its user as a traceback: each case of the corpus (``bad_files.py``)
ends in a one-line error naming the file (and line or column) with exit code 2, or in a full
account of its rows."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.features.bad_files import (
    Case,
    Sources,
    cases,
    run,
    small_event_export,
    small_flat_export,
)


@pytest.fixture(scope="module")
def sources(demo_dir, flat_demo_dir, tmp_path_factory) -> Sources:
    """The session's demo exports (fixed seeds), cut small."""
    folder = tmp_path_factory.mktemp("bad_files")
    return Sources(small_event_export(demo_dir, folder / "event"),
                   small_flat_export(flat_demo_dir / "export.csv", folder / "flat" / "export.csv"))


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_bad_file_gets_a_one_line_error_or_a_full_account(case: Case, sources, tmp_path):
    outcome = run(case, sources, tmp_path / "case")
    assert outcome.kind == case.expect
    if case.expect == "error":
        assert outcome.exit_code == 2
        assert outcome.stderr_lines == 1, outcome.message
        assert "Traceback" not in outcome.message
    else:
        assert outcome.balanced, outcome.message
    assert re.search(case.pattern, outcome.message), outcome.message
    assert "@example.com" not in outcome.message  # contact data is never shown
    shutil.rmtree(tmp_path / "case", ignore_errors=True)  # the 2 GiB sparse files
