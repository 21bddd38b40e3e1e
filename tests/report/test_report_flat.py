"""The marketers' report of a model trained on a flat export: in the bundle and the MLflow run,
self-contained, the sections that apply (and a sentence for those that do not), conversion
rates checked against the export CSV, the leakage flags, and ``leadconv report`` on it."""

from __future__ import annotations

import html
import json
import re

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from demodata.flat import LEAKY_COLUMNS, TARGET
from report.flat import MAX_DISTINCT, MAX_SEGMENTS, TOP_VALUES
from report.words import plain_names
from scoring.bundle import REPORT_FILE
from serving.report import page_identity
from tests.report.html_tables import EXTERNAL, Tables, text_of


@pytest.fixture(scope="module")
def run(flat_trained):
    result, workdir = flat_trained
    models = workdir / "models"
    return result, models, (models / "champion" / REPORT_FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def card(run):
    return json.loads((run[1] / "champion" / "model.json").read_text())


@pytest.fixture(scope="module")
def export(flat_demo_dir):
    """The report's leads straight from the CSV with pandas: every row whose label is filled
    in (the rows training used), raw text, and ``converted`` (1/0) from the label column."""
    frame = pd.read_csv(flat_demo_dir / "export.csv", dtype=str, keep_default_na=False)
    frame = frame.apply(lambda column: column.str.strip())
    frame = frame[frame[TARGET] != ""].copy()
    assert set(frame[TARGET]) == {"0", "1"}
    frame["converted"] = (frame[TARGET] == "1").astype(int)
    return frame


def segment_text(frame: pd.DataFrame, column: str, placeholders: list[str]) -> pd.Series:
    text = frame[column].where(~frame[column].isin(placeholders) & (frame[column] != ""),
                               "(unknown)")
    counts = text.value_counts()
    if len(counts) > TOP_VALUES:
        kept = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_VALUES]
        text = text.where(text.isin({value for value, _ in kept}), "(other)")
    return text


def expected_rows(frame: pd.DataFrame, values: pd.Series) -> dict[str, list[str]]:
    """Rows of a conversion table, keyed by the values' plain names (``report.words``)."""
    grouped = frame["converted"].groupby(values.to_numpy())
    names = plain_names(values.unique())
    return {names[value]: [f"{len(part):,}", f"{int(part.sum()):,}", f"{part.mean():.1%}"]
            for value, part in grouped}


def shown_segments(page: str) -> dict[str, dict[str, list[str]]]:
    """Export column -> {value: [MQLs, SQLs, conversion]} of each categorical segment table."""
    tables = Tables(page).tables
    return {rows[0][0]: {row[0]: row[1:] for row in rows[1:]}
            for table_id, rows in tables.items() if table_id.startswith("conv-flat_")}


def test_flat_champion_bundle_has_the_report_logged_to_its_mlflow_run(run):
    import mlflow

    result, _, page = run
    mlflow.set_tracking_uri(result.metrics["tracking_uri"])
    logged = mlflow.artifacts.load_text(f"runs:/{result.metrics['run_id']}/report/report.html")
    assert logged == page
    assert page_identity(page) == {"model-version": result.metrics["model_version"],
                                   "run-id": result.metrics["run_id"]}


def test_flat_report_is_self_contained_with_scalable_charts(run):
    _, _, page = run
    assert not EXTERNAL.search(page)
    assert "<img" not in page
    bar_charts = re.findall(r'<figure class="chart bars', page)
    assert len(bar_charts) >= 2 + MAX_SEGMENTS + 1 + 1  # drivers, segments, month, tiers
    assert len(re.findall(r'<svg class="chart svg-chart"', page)) == 2  # trust


def test_flat_report_has_the_sections_and_says_what_does_not_apply(run):
    _, _, page = run
    text = html.unescape(text_of(page))
    for heading in ("What drives conversion", "Conversion rate by segment",
                    "How far to trust the score", "The model's lift by decile",
                    "The BANT picture", "Columns left out: the leakage check", "Model facts",
                    "By MQL month (MQL Date)"):
        assert heading in text, heading
    assert "benchmark 13%" in text
    assert "no rule-based points score" in text and "no BANT fields" in text
    assert "The model against the points score" not in text
    assert "bant" not in Tables(page).tables  # no BANT table
    assert Tables(page).tables["metrics"][0] == [  # no points score column
        "metric", "model", "default LogisticRegression"]
    assert f"rows of the export with {TARGET!r} filled in" in text  # the leads, defined


def test_segments_are_the_most_important_categorical_columns_with_few_values(run, card, export):
    _, _, page = run
    mapping = card["mapping"]
    importance = {r["name"]: r["importance"] for r in card["importances"]}
    placeholders = mapping["placeholders"]
    eligible = []
    for column, role in mapping["roles"].items():
        if role == "categorical":
            values = export[column][~export[column].isin(placeholders) & (export[column] != "")]
            if 2 <= values.nunique() <= MAX_DISTINCT:
                eligible.append(column)
    eligible.sort(key=lambda c: -importance[c])
    assert list(shown_segments(page)) == eligible[:MAX_SEGMENTS]
    assert not set(shown_segments(page)) & set(LEAKY_COLUMNS)
    assert "Landing Page ID" not in shown_segments(page)  # hundreds of values: not a segment


def test_segment_conversion_rates_equal_those_computed_from_the_export_csv(run, card, export):
    _, _, page = run
    shown = shown_segments(page)
    assert shown
    for column, rows in shown.items():
        values = segment_text(export, column, card["mapping"]["placeholders"])
        assert rows == expected_rows(export, values), column


def test_month_and_overall_rates_equal_those_computed_from_the_export_csv(run, export):
    _, _, page = run
    months = pd.to_datetime(export["MQL Date"], utc=True).dt.strftime("%Y-%m")
    shown = {row[0]: row[1:] for row in Tables(page).tables["conv-mql_month"][1:]}
    assert shown == expected_rows(export, months)
    sentence = re.search(r'id="overall-rate">(.*?)</p>', page).group(1)
    converted = export["converted"]
    assert (f"<b>{int(converted.sum()):,}</b> of <b>{len(converted):,}</b> MQLs became SQLs: "
            f"<b>{converted.mean():.1%}</b>") in sentence


def test_score_bands_and_lift_describe_the_test_split(run):
    result, _, page = run
    test = result.split.test
    p = result.evaluated_model.predict_proba(result.x.loc[test])[:, 1]
    y = result.y.loc[test].to_numpy()
    lower = np.minimum(np.rint(p * 100).astype(int) // 10 * 10, 90)
    sentences = text_of(re.search(r'id="score-bands">(.*?)</ul>', page).group(1))
    for band in np.unique(lower):
        inside = lower == band
        assert (f"Of the {inside.sum():,} leads scored {band}-{band + 10}, "
                f"{y[inside].mean():.0%} became SQLs") in sentences
    top = np.argsort(-p, kind="stable")[: int(np.ceil(len(p) / 10))]
    assert f"converted at <b>{y[top].mean():.1%}</b>" in page


def test_leakage_section_lists_every_flag_with_its_evidence_and_decision(run):
    result, _, page = run
    rows = Tables(page).tables["leakage"]
    assert rows[0] == ["column", "reason", "evidence", "decision"]
    flags = result.metrics["leakage_flags"]
    assert [r[:3] for r in rows[1:]] == [[f["column"], f["reason"], f["evidence"]]
                                        for f in flags]
    assert {r[0] for r in rows[1:]} == set(LEAKY_COLUMNS)
    assert {r[3] for r in rows[1:]} == {"dropped"}


def test_model_facts_of_a_flat_model(run, export):
    result, _, page = run
    facts = {row[0]: row[1] for row in Tables(page).tables["facts"]}
    assert facts["model"].startswith(f"lead-conversion v{result.metrics['model_version']}")
    assert f"{len(export):,} rows of the flat export export.csv" in facts["trained on"]
    dates = pd.to_datetime(export["MQL Date"], utc=True)
    assert f"{dates.min().date()} to {dates.max().date()}" in facts["trained on"]
    assert f"test {len(result.split.test):,}" in facts["split"]
    metrics = {row[0]: row[1:] for row in Tables(page).tables["metrics"][1:]}
    assert metrics["ROC AUC"] == [f"{result.metrics['test_auc']:.3f}",
                                  f"{result.metrics['baseline_auc']:.3f}"]


def test_report_verb_copies_the_flat_champions_report(run, tmp_path, capsys):
    _, models, page = run
    out = tmp_path / "report.html"
    assert main(["report", "--models-dir", str(models), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == page
    assert str(out) in capsys.readouterr().out


def test_report_verb_rebuilds_a_flat_report_from_an_export_leaving_out_blank_labels(
        run, card, export, flat_demo_dir, tmp_path):
    _, models, _ = run
    raw = pd.read_csv(flat_demo_dir / "export.csv", dtype=str, keep_default_na=False)
    raw.loc[raw.index % 7 == 3, TARGET] = ""  # outcome not known yet for these rows
    raw.to_csv(tmp_path / "export.csv", index=False)
    labelled = export[(export.index % 7 != 3)]
    out = tmp_path / "fresh.html"
    code = main(["report", "--models-dir", str(models), "--data", str(tmp_path / "export.csv"),
                 "--out", str(out)])
    assert code == 0
    page = html.unescape(out.read_text(encoding="utf-8"))
    assert "every labelled lead of this export" in page
    assert f"{len(raw) - len(labelled):,} rows with a blank label are left out" in page
    shown = shown_segments(page)
    assert shown
    for column, rows in shown.items():
        values = segment_text(labelled, column, card["mapping"]["placeholders"])
        assert rows == expected_rows(labelled, values), column
    bands = text_of(re.search(r'id="score-bands">(.*?)</ul>', page).group(1))
    counts = [int(n.replace(",", "")) for n in re.findall(r"Of the ([\d,]+) leads", bands)]
    assert sum(counts) == len(labelled)  # calibration on every labelled row of the file


def test_report_verb_asks_a_flat_champion_for_a_file_not_a_folder(run, flat_demo_dir,
                                                                    tmp_path, capsys):
    _, models, _ = run
    code = main(["report", "--models-dir", str(models), "--data", str(flat_demo_dir),
                 "--out", str(tmp_path / "r.html")])
    assert code == 2
    assert "trained on a flat export" in capsys.readouterr().err
