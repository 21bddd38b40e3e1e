"""``leadconv outcomes import``: the contract's outcomes table into the store, bad rows rejected
with their row and reason, idempotent; and training completing an export's outcomes with them."""

from __future__ import annotations

import pandas as pd

from cli.main import main
from features.contract import merge_outcomes
from store.database import open_database
from store.outcomes import read_outcomes

ROWS = """lead_id,sql_at,disqualified_at
L1,2026-03-01T10:00:00Z,
L2,,2026-02-01
 ,2026-03-01,
L3,not a date,
L1,2026-03-05,
L4,,
"""


def test_import_stores_good_rows_rejects_bad_ones_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "outcomes.csv"
    path.write_text(ROWS)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["outcomes", "import", str(path), "--database-url", db]) == 0
    printed = capsys.readouterr().out
    assert "6 rows loaded = 3 used + 3 rejected" in printed
    assert "1 rows with neither sql_at nor disqualified_at" in printed
    assert "2 new, 0 changed, 0 already stored" in printed
    rejects = pd.read_csv(tmp_path / "outcomes.rejects.csv")
    assert sorted(rejects["row"]) == [3, 4, 5]
    assert set(rejects["column"]) == {"lead_id", "sql_at"}
    stored = read_outcomes(open_database(db)).set_index("lead_id")
    assert list(stored.index) == ["L1", "L2"]
    assert stored.loc["L1", "sql_at"] == pd.Timestamp("2026-03-01T10:00:00Z")
    assert main(["outcomes", "import", str(path), "--database-url", db]) == 0
    assert "0 new, 0 changed, 2 already stored" in capsys.readouterr().out


def test_a_store_that_is_off_is_an_error(tmp_path, capsys):
    path = tmp_path / "outcomes.csv"
    path.write_text(ROWS)
    assert main(["outcomes", "import", str(path), "--database-url", "off"]) == 2
    assert "prediction store is off" in capsys.readouterr().err


def test_outcomes_fed_back_complete_an_export_s_per_lead_and_column():
    t = pd.Timestamp
    base = pd.DataFrame({"lead_id": ["A", "B", "C"],
                         "sql_at": [t("2026-01-05", tz="UTC"), pd.NaT, pd.NaT],
                         "disqualified_at": [pd.NaT, t("2026-01-09", tz="UTC"), pd.NaT]})
    extra = pd.DataFrame({"lead_id": ["B", "C", "Z"],
                          "sql_at": [t("2026-02-01", tz="UTC"), pd.NaT, t("2026-02-02", tz="UTC")],
                          "disqualified_at": [pd.NaT, t("2026-02-03", tz="UTC"), pd.NaT]})
    merged, unknown = merge_outcomes(base, extra, pd.Index(["A", "B", "C", "D"]))
    merged = merged.set_index("lead_id")
    assert unknown == 1  # Z is not a lead of the export
    assert list(merged.index) == ["A", "B", "C"]
    assert merged.loc["A", "sql_at"] == t("2026-01-05", tz="UTC")  # only in the export
    assert merged.loc["B", "sql_at"] == t("2026-02-01", tz="UTC")  # fed back
    assert merged.loc["B", "disqualified_at"] == t("2026-01-09", tz="UTC")  # kept
    assert merged.loc["C", "disqualified_at"] == t("2026-02-03", tz="UTC")


def test_an_export_without_outcomes_trains_on_those_fed_back_with_the_same_labels(
        demo_dir, tmp_path):
    """Leads and activities from the export, outcomes from the store: the labels are those of
    the full export; outcomes of other leads or after its as_of are left out."""
    import shutil

    from store.outcomes import Outcome, write_outcomes
    from training.config import TrainConfig
    from training.event_data import EventData

    export = tmp_path / "export"
    export.mkdir()
    for name in ("leads.csv", "activities.csv"):
        shutil.copy(demo_dir / name, export / name)
    full = pd.read_csv(demo_dir / "outcomes.csv")
    engine = open_database(f"sqlite:///{tmp_path / 'store.db'}")
    stamp = lambda v: None if pd.isna(v) else pd.Timestamp(v, tz="UTC").to_pydatetime()  # noqa: E731
    items = [Outcome(str(i), stamp(s), stamp(d)) for i, s, d in zip(
        full["lead_id"], full["sql_at"], full.get("disqualified_at", [None] * len(full)),
        strict=True) if not (pd.isna(s) and pd.isna(d))]
    items.append(Outcome("not-a-lead-of-this-export", sql_at=stamp("2026-01-01")))
    write_outcomes(engine, items, "test")

    said: list[str] = []
    fed = EventData(export, extra_outcomes=read_outcomes(engine)).load(TrainConfig(), said.append)
    reference = EventData(demo_dir).load(TrainConfig(), lambda _: None)
    pd.testing.assert_series_equal(fed.y.sort_index(), reference.y.sort_index())
    assert any("1 of leads not in this export" in line for line in said)
