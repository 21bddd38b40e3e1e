"""Each data shape calls the leakage check the way its columns deserve: a flat export's columns
are raw (name-based kinds apply), the event shape's features are the product's own, built point
in time (no name-based kind, whatever their names say)."""

from __future__ import annotations

from demodata.flat import TARGET
from features.leakage import NAME_KINDS
from training.config import TrainConfig
from training.train import EventData, FlatData, prepare

CFG = TrainConfig()


def quiet(_: str) -> None:
    """Progress lines are not under test here."""


def strongly_recent(prepared, column: str, value: float) -> None:
    """Give every converted lead of the training rows ``value`` in ``column`` (a strong recency
    signal: the shape a snapshot overwritten after the outcome takes)."""
    x_train, y_train = prepared.part("train")
    converted = x_train.index[y_train == 1]
    prepared.x.loc[converted, column] = value


def test_the_event_shape_never_gives_its_engineered_features_name_based_flags(demo_dir):
    adapter = EventData(demo_dir)
    prepared = prepare(adapter, CFG, quiet)
    strongly_recent(prepared, "days_since_last_activity", 0.5)
    flags, _ = adapter.leakage(prepared, CFG)
    own = {f.reason for f in flags if f.column == "days_since_last_activity"}
    assert own and not own & set(NAME_KINDS)  # still caught by the data, never by its name


def test_a_flat_export_gives_its_raw_columns_name_based_flags(flat_demo_dir):
    adapter = FlatData(flat_demo_dir / "export.csv", TARGET)
    prepared = prepare(adapter, CFG, quiet)
    strongly_recent(prepared, "Days Since Last Activity", 0.5)
    flags, _ = adapter.leakage(prepared, CFG)
    own = {f.reason for f in flags if f.column == "Days Since Last Activity"}
    assert "snapshot" in own
