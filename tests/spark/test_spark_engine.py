"""The Spark engine (``engines.spark``) gives what the in-process path gives, field by field.

All on the small demo of ``tests/conftest.py`` and its trained champion, in ``local[2]``: scores
equal ``Scorer.score`` (probabilities to 1e-12, every other column exactly, reasons included)
whatever the bucket count and the session's time zone; rejects equal the contract's on a copy
with planted bad rows; ``leadconv score --engine spark`` writes the file the default engine
writes; ``train --features`` on the Spark feature table gives the model training on the folder
gives. Every column is compared, so new output columns are covered without editing this file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.features.bad_files import small_event_export

pytestmark = pytest.mark.slow


def assert_same_scores(got: pd.DataFrame, want: pd.DataFrame) -> str:
    """Same columns, dtypes and leads in the same order; probabilities within 1e-12, every
    other field (reasons as parsed lists) exactly. Returns the figures of the comparison."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    largest = 0.0
    for name in want.columns:
        a, b = got[name].reset_index(drop=True), want[name].reset_index(drop=True)
        if name == "probability":
            np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=0, atol=1e-12)
            largest = float(np.max(np.abs(a.to_numpy() - b.to_numpy())))
            continue
        assert a.dtype == b.dtype, name
        mismatch = [i for i, (x, y) in enumerate(zip(a, b, strict=True))
                    if not (x == y or (pd.isna(x) and pd.isna(y))
                            if not isinstance(x, list) else x == y)]
        assert not mismatch, f"{name}: {len(mismatch)} leads differ, e.g. row {mismatch[0]}: " \
                             f"{a.iloc[mismatch[0]]!r} != {b.iloc[mismatch[0]]!r}"
    return (f"{len(want):,} leads x {len(want.columns)} columns compared, max probability "
            f"difference {largest:.1e}, mismatching fields 0")


def in_process(folder: Path, champion: Path, as_of: str | None = None):
    from features.contract import load_crm
    from scoring.event import Scorer

    crm = load_crm(folder, require_outcomes=False, as_of=as_of)
    scores = Scorer.from_bundle(champion).score(crm.leads, crm.activities, crm.as_of)
    return crm, scores


@pytest.fixture(scope="module")
def champion(trained) -> Path:
    return trained / "models" / "champion"


@pytest.fixture(scope="module")
def expected(demo_dir, champion):
    return in_process(demo_dir, champion)


@pytest.fixture(scope="module")
def spark_scores(spark, demo_dir, champion, expected):
    from engines.spark import score

    return score(spark, str(demo_dir), champion, as_of=expected[0].as_of.isoformat(), buckets=3)


def test_spark_scores_equal_in_process(spark_scores, expected, record_property):
    crm, want = expected
    record_property("figures", assert_same_scores(spark_scores.frame(parse_json=True), want))
    assert spark_scores.counts == crm.report.counts
    assert spark_scores.rejects.count() == 0


@pytest.fixture(scope="module")
def parquet_demo(demo_dir, tmp_path_factory) -> Path:
    """The demo export as Parquet with typed columns: timestamps as UTC instants (Spark reads
    them as TIMESTAMP, the type the session's zone would shift), numbers as numbers."""
    folder = tmp_path_factory.mktemp("parquet_demo")
    times = {"leads": ["mql_at"], "activities": ["occurred_at"],
             "outcomes": ["sql_at", "disqualified_at"]}
    for table, columns in times.items():
        frame = pd.read_csv(demo_dir / f"{table}.csv", dtype={"lead_id": "str"},
                            keep_default_na=False, na_values=[""])
        for column in columns:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    return folder


def test_typed_parquet_under_another_session_zone_and_bucket_count_gives_the_same_scores(
        spark, parquet_demo, champion, expected, spark_scores, record_property):
    """Typed timestamps in a Los Angeles session, 7 buckets, as_of found by Spark: the scores
    of the CSV export in process, and of 3 buckets in UTC."""
    from engines.spark import score

    crm, want = in_process(parquet_demo, champion)
    assert crm.as_of == expected[0].as_of
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        other = score(spark, str(parquet_demo), champion, buckets=7)
        frame = other.frame(parse_json=True)
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    assert other.buckets == 7 and other.as_of == expected[0].as_of
    assert other.counts == crm.report.counts
    assert_same_scores(frame, want)
    record_property("figures", "Los Angeles session zone, 7 buckets: "
                    + assert_same_scores(frame, expected[1]))
    assert_same_scores(frame, spark_scores.frame(parse_json=True))


def plant_bad_rows(folder: Path) -> None:
    """Rows the contract rejects, of every kind a bucket must agree on with the whole table."""
    leads = pd.read_csv(folder / "leads.csv", dtype="str", keep_default_na=False)
    acts = pd.read_csv(folder / "activities.csv", dtype="str", keep_default_na=False)
    outs = pd.read_csv(folder / "outcomes.csv", dtype="str", keep_default_na=False)
    first, second = leads["lead_id"].iloc[0], leads["lead_id"].iloc[1]
    leads.loc[3, "mql_at"] = "not a date"
    leads.loc[5, "company_size"] = "-3"
    leads.loc[7, "lead_id"] = ""
    leads.loc[8, "lead_id"] = f"  {first} "  # a duplicate, with blanks around it
    leads.loc[9, "lead_id"] = second  # a second duplicate
    acts.loc[2, "occurred_at"] = "2025-13-45"
    acts.loc[4, "lead_id"] = "NOBODY-1"
    acts.loc[6, "content_stage"] = "sideways"
    acts.loc[8, "activity_type"] = ""
    extra = pd.DataFrame([{"lead_id": "NOBODY-2", "occurred_at": "2025-01-01T00:00:00Z",
                           "activity_type": "page_view", "content_stage": ""}])
    outs.loc[1, "sql_at"] = "1999-01-01T00:00:00Z"  # before the lead's MQL
    outs.loc[2, "lead_id"] = "NOBODY-3"
    leads.to_csv(folder / "leads.csv", index=False)
    pd.concat([acts, extra]).to_csv(folder / "activities.csv", index=False)
    outs.to_csv(folder / "outcomes.csv", index=False)


def test_rejects_and_scores_match_the_pandas_path_on_bad_rows(spark, demo_dir, champion,
                                                              tmp_path):
    from engines.spark import score

    folder = small_event_export(demo_dir, tmp_path / "bad", n_leads=300)
    plant_bad_rows(folder)
    crm, want = in_process(folder, champion)
    assert len(crm.report.rejects) >= 12
    got = score(spark, str(folder), champion, buckets=4)
    assert got.as_of == crm.as_of and got.counts == crm.report.counts
    assert_same_scores(got.frame(parse_json=True), want)
    rejects = got.rejects_frame()
    pandas_rejects = crm.report.rejects.sort_values(["file", "row"], key=lambda s: s.map(
        {"leads.csv": 0, "activities.csv": 1, "outcomes.csv": 2}) if s.name == "file" else s)
    pandas_rejects = pandas_rejects.reset_index(drop=True)
    for column in ("file", "row", "line", "column", "value", "reason", "reason_kind", "lead_id"):
        assert rejects[column].astype("object").where(rejects[column].notna(), None).tolist() \
            == pandas_rejects[column].astype("object").where(
                pandas_rejects[column].notna(), None).tolist(), column


def test_cli_engine_spark_writes_the_file_the_default_engine_writes(spark, demo_dir, trained,
                                                                    tmp_path, capsys):
    from cli.main import main

    models = str(trained / "models")
    files = {}
    for engine in ("pandas", "spark"):
        out = tmp_path / engine / "scores.parquet"
        extra = ["--engine", "spark", "--buckets", "2"] if engine == "spark" else []
        assert main(["score", "--data", str(demo_dir), "--out", str(out), "--models-dir",
                     models, "--all-leads", *extra]) == 0
        files[engine] = pd.read_parquet(out)
        files[engine + " rejects"] = pd.read_csv(out.with_name("scores.rejects.csv"))
    printed = capsys.readouterr().out
    assert "spark:" in printed
    pd.testing.assert_frame_equal(files["spark"], files["pandas"], check_exact=False,
                                  rtol=0, atol=1e-12)
    pd.testing.assert_frame_equal(files["spark rejects"], files["pandas rejects"])


def test_catalog_tables_in_and_a_parquet_folder_out(spark, demo_dir, trained, expected,
                                                    tmp_path, capsys):
    """``--data table:PREFIX`` reads the catalog's tables; an ``--out`` folder is written by
    Spark with the in-process columns and types (reasons as JSON text), in any order."""
    import json

    from cli.main import main

    spark.sql("CREATE DATABASE IF NOT EXISTS crm_test")
    for table in ("leads", "activities", "outcomes"):
        (spark.read.option("header", True).csv(str(demo_dir / f"{table}.csv"))
         .write.mode("overwrite").saveAsTable(f"crm_test.{table}"))
    out = tmp_path / "scores"
    assert main(["score", "--engine", "spark", "--all-leads", "--data", "table:crm_test",
                 "--out", str(out), "--models-dir", str(trained / "models"), "--as-of",
                 expected[0].as_of.isoformat()]) == 0
    assert "crm_test.leads: 3,000 rows loaded" in capsys.readouterr().out
    got = pd.read_parquet(out).sort_values("lead_id").reset_index(drop=True)
    want = expected[1].sort_values("lead_id").reset_index(drop=True)
    for column in ("reasons_up", "reasons_down"):
        got[column] = [json.loads(v) for v in got[column]]
    got["scored_at"] = got["scored_at"].dt.tz_localize("UTC") if got["scored_at"].dt.tz is None \
        else got["scored_at"]
    got["scored_at"] = got["scored_at"].astype(want["scored_at"].dtype)
    assert_same_scores(got, want)


def test_train_from_the_spark_feature_table_gives_the_folder_model(spark, demo_dir, trained,
                                                                   demo_xy, tmp_path, capsys,
                                                                   monkeypatch):
    """``features --engine spark`` then ``train --features`` fits the model the ``trained``
    fixture fitted from the folder (same config): same predictions, same test metrics."""
    import json

    from cli.main import main
    from scoring.bundle import load_bundle
    from training.config import TrainConfig
    from training.table_data import TableData
    from training.train import train

    table = tmp_path / "training.parquet"
    assert main(["features", "--engine", "spark", "--data", str(demo_dir), "--out", str(table),
                 "--buckets", "3"]) == 0
    assert "wrote the training table" in capsys.readouterr().out
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    result = train(TableData(table), TrainConfig(hgb_params=(), logreg_c=(0.05,)),
                   promote="if_better", workdir=tmp_path, models_dir=tmp_path / "models")
    folder_run = json.loads((trained / "run.json").read_text())["metrics"]
    for key in ("n_train", "n_valid", "n_test", "n_censored", "chosen_model", "test_auc",
                "test_log_loss", "dropped_columns"):
        assert result.metrics[key] == folder_run[key], key
    x = demo_xy[0]
    from_table, _ = load_bundle(tmp_path / "models" / "champion")
    from_folder, _ = load_bundle(trained / "models" / "champion")
    np.testing.assert_allclose(from_table.predict_proba(x), from_folder.predict_proba(x),
                               rtol=0, atol=1e-12)


def test_nothing_but_the_spark_engine_imports_pyspark():
    """pyspark is optional: importing the engine, the CLI verbs and the service does not load
    it (only running ``--engine spark`` does)."""
    import subprocess
    import sys

    code = ("import sys, engines.spark, engines.spark_buckets, engines.spark_read, cli.model, "
            "cli.data, serving.app, training.table_data; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
