"""The marketers' report of a training run: sections, numbers checked against the raw export,
self-contained, logged to MLflow, exported with the champion, and the ``leadconv report`` verb."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from features.firmographics import SIZE_BANDS
from scoring.bundle import REPORT_FILE
from serving.report import page_identity
from tests.report.html_tables import EXTERNAL, Tables, expected_rows, text_of
from training.config import TrainConfig
from training.explore import (
    CANDIDATES_ARTIFACT,
    candidates_table,
    evaluation_curves,
    held_out_scores,
    run_link,
)
from training.train import EventData, train

FAST = TrainConfig(hgb_params=(), logreg_c=(0.05,))
WORSE = TrainConfig(hgb_params=(), logreg_c=(1e-6,))


@pytest.fixture(scope="module")
def run(isolated_mlflow, demo_dir, demo_crm):
    result = train(EventData(demo_dir, crm=demo_crm), FAST, promote="if_better",
                   workdir=isolated_mlflow, models_dir=isolated_mlflow / "models")
    page = (isolated_mlflow / "models" / "champion" / REPORT_FILE).read_text()
    return result, page


@pytest.fixture(scope="module")
def truth_from_raw_export(demo_dir, demo_crm):
    """Labelled leads computed straight from the CSV files, without the library's code."""
    leads = pd.read_csv(demo_dir / "leads.csv", dtype={"lead_id": str})
    outcomes = pd.read_csv(demo_dir / "outcomes.csv", dtype={"lead_id": str})
    frame = leads.merge(outcomes[["lead_id", "sql_at"]], on="lead_id", how="left")
    mql = pd.to_datetime(frame["mql_at"], utc=True, format="ISO8601")
    sql = pd.to_datetime(frame["sql_at"], utc=True, format="ISO8601")
    end = mql + pd.Timedelta(days=90)
    observed = (end <= demo_crm.as_of) & ~(sql <= mql)
    frame["converted"] = ((sql > mql) & (sql <= end)).astype(int)
    frame["mql_month"] = mql.dt.strftime("%Y-%m")
    frame["observed"] = observed.to_numpy()
    edges = [lower for lower, _ in SIZE_BANDS] + [np.inf]
    frame["company_size_band"] = pd.cut(frame["company_size"].clip(lower=1), edges, right=False,
                                        labels=[name for _, name in SIZE_BANDS])
    return frame


@pytest.fixture(scope="module")
def labelled_from_raw_export(truth_from_raw_export):
    """The leads whose 90-day horizon has passed (the report's leads)."""
    return truth_from_raw_export[truth_from_raw_export["observed"]]


@pytest.fixture(scope="module")
def partial_months(truth_from_raw_export) -> frozenset[str]:
    """MQL months with labelled leads and leads whose horizon has not passed yet."""
    by_month = truth_from_raw_export.groupby("mql_month")["observed"].agg(["any", "all"])
    return frozenset(by_month.index[by_month["any"] & ~by_month["all"]])


def test_report_has_every_section_for_marketers(run):
    _, page = run
    text = text_of(page)
    for heading in ("What this means", "Who to call first", "Which segments convert",
                    "What to fix", "What drives conversion", "Who to call: the score tiers",
                    "The top drivers, value by value", "Conversion rate by segment",
                    "How far to trust the score", "The BANT picture", "Model facts",
                    "By lead source", "By industry", "By company size band", "By MQL month",
                    "The model against the points score"):
        assert heading in text, heading
    assert "benchmark 13%" in text


@pytest.mark.parametrize("segment", ["source", "industry", "company_size_band", "mql_month"])
def test_conversion_rates_shown_equal_those_computed_from_the_raw_export(
        run, labelled_from_raw_export, partial_months, segment):
    _, page = run
    shown = {row[0]: row[1:] for row in Tables(page).tables[f"conv-{segment}"][1:]}
    assert shown == expected_rows(labelled_from_raw_export, segment, partial_months)


def test_the_newest_month_whose_leads_have_not_all_reached_their_horizon_is_marked_partial(
        run, truth_from_raw_export, partial_months):
    _, page = run
    assert len(partial_months) == 1  # the month of as_of - 90 days
    month = next(iter(partial_months))
    leads = truth_from_raw_export[truth_from_raw_export["mql_month"] == month]
    note = text_of(re.search(r'id="partial-months">(.*?)</p>', page, re.S).group(1))
    assert (f"{month} is partial: only {int(leads['observed'].sum()):,} of its "
            f"{len(leads):,} leads have reached the 90-day horizon") in note
    months = [row[0] for row in Tables(page).tables["conv-mql_month"][1:]]
    assert months[-1] == f"{month} (partial)"
    assert [m for m in months if "partial" in m] == [months[-1]]


def test_overall_conversion_is_sqls_over_labelled_mqls(run, labelled_from_raw_export):
    _, page = run
    truth = labelled_from_raw_export["converted"]
    sentence = re.search(r'id="overall-rate">(.*?)</p>', page).group(1)
    assert (f"<b>{int(truth.sum()):,}</b> of <b>{len(truth):,}</b> MQLs became SQLs: "
            f"<b>{truth.mean():.1%}</b>") in sentence


def test_score_band_sentences_describe_the_test_leads(run):
    result, page = run
    test = result.prepared.split.test
    p = result.evaluated_model.predict_proba(result.prepared.x.loc[test])[:, 1]
    y = result.prepared.y.loc[test].to_numpy()
    lower = np.minimum(np.rint(p * 100).astype(int) // 10 * 10, 90)
    sentences = text_of(re.search(r'<ul class="bands" id="score-bands">(.*?)</ul>',
                                  page).group(1))
    for band in np.unique(lower):
        inside = lower == band
        assert (f"Of the {inside.sum():,} leads scored {band}-{band + 10}, "
                f"{y[inside].mean():.0%} became SQLs") in sentences
    assert sentences.count("Of the") == len(np.unique(lower))


def test_bant_shares_cover_every_labelled_lead(run, labelled_from_raw_export):
    _, page = run
    rows = Tables(page).tables["bant"][1:]
    for flag in ("budget", "authority", "need", "timeline"):
        assert [r[1] for r in rows if r[0] == flag.title()] == ["Yes", "No", "Unknown"]
        counts = [int(r[2].replace(",", "")) for r in rows if r[0] == flag.title()]
        assert sum(counts) == len(labelled_from_raw_export)


def test_model_facts_name_the_version_dates_and_leads(run, demo_crm):
    result, page = run
    facts = {row[0]: row[1] for row in Tables(page).tables["facts"]}
    assert facts["model"].startswith(f"lead-conversion v{result.metrics['model_version']}")
    assert f"{len(demo_crm.leads):,} leads" in facts["trained on"]
    assert str(demo_crm.leads["mql_at"].min().date()) in facts["trained on"]
    metrics = {row[0]: row[1:] for row in Tables(page).tables["metrics"][1:]}
    assert metrics["ROC AUC"] == [f"{result.metrics['test_auc']:.3f}",
                                  f"{result.metrics['points_auc']:.3f}",
                                  f"{result.metrics['baseline_auc']:.3f}"]
    assert page_identity(page)["model-version"] == result.metrics["model_version"]


def test_model_facts_show_the_folds_the_model_was_chosen_on_beside_the_default(run):
    result, page = run
    m = result.metrics
    rows = Tables(page).tables["choice"][1:]
    assert len(rows) == m["selection_folds"] >= 2
    for k, row in enumerate(rows, start=1):
        assert row[:2] == [f"fold {k}", m[f"selection_fold{k}_span"]]
        assert row[3:] == [f"{m[f'chosen_fold{k}_auc']:.3f}", f"{m[f'baseline_fold{k}_auc']:.3f}"]
    # the small demo's test months are too small to judge the newest one alone
    assert ('id="newest-calibration"' in page) == ("test_ece_newest_month" in m)


def test_a_newest_month_calibrated_worse_than_the_default_is_shown_as_a_warning(
        run, isolated_mlflow, demo_dir):
    import dataclasses

    from report.page import build_report, inputs_from_export

    result, _ = run
    inputs = inputs_from_export(demo_dir, isolated_mlflow / "models")
    metrics = {**inputs.card.metrics, "calibration_worse_than_baseline": 1,
               "newest_month": "2026-09", "n_newest_month": 812,
               "test_ece_newest_month": 0.09, "baseline_ece_newest_month": 0.02}
    worse = dataclasses.replace(inputs, card=dataclasses.replace(inputs.card, metrics=metrics))
    page = build_report(worse)
    paragraph = page[page.index('id="newest-calibration"'):].split("</p>")[0]
    assert 'class="warning"' in paragraph and "calibrated worse than the default" in paragraph
    assert "(2026-09, 812 leads): ECE 0.090; the default LogisticRegression's 0.020" in paragraph
    fine = dataclasses.replace(inputs, card=dataclasses.replace(inputs.card, metrics={
        **metrics, "calibration_worse_than_baseline": 0}))
    paragraph = build_report(fine)
    paragraph = paragraph[paragraph.index('id="newest-calibration"'):].split("</p>")[0]
    assert 'class="muted"' in paragraph and "Warning" not in paragraph


def test_report_is_self_contained_with_svg_and_html_charts(run):
    _, page = run
    assert not EXTERNAL.search(page)
    assert "<img" not in page  # no fixed-size picture: every chart scales with the screen
    charts = re.findall(r'<(figure|svg) class="(?:chart|svg-chart)[^"]*"', page)
    assert len(re.findall(r'class="chart bars', page)) >= 8
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) == 2 and len(charts) >= 10
    for svg in svgs:
        root = ElementTree.fromstring(svg)
        assert root.get("viewBox", "").startswith("0 0 ")
        assert len(root.findall(".//{http://www.w3.org/2000/svg}text")) >= 8
    assert "@media print" in page


def test_technical_metrics_sit_in_a_collapsed_block_at_the_end(run):
    result, page = run
    details = re.search(r'<details id="facts" class="technical">(.*?)</details>', page, re.S)
    assert details and "open" not in page[details.start():details.start() + 60]
    outside = page[:details.start()] + page[details.end():]
    for technical in ("ROC AUC", "Brier", "ECE", result.metrics["chosen_model"]):
        assert technical in details.group(1), technical
        assert technical not in text_of(outside), technical
    assert page.index("<details") > page.index('id="bant"')


def test_report_is_logged_to_the_mlflow_run(run):
    import mlflow

    result, page = run
    mlflow.set_tracking_uri(result.metrics["tracking_uri"])
    logged = mlflow.artifacts.load_text(f"runs:/{result.metrics['run_id']}/report/report.html")
    assert logged == page


def test_challenger_report_is_logged_but_the_bundle_keeps_the_champions(run, isolated_mlflow,
                                                                        demo_dir, demo_crm):
    import mlflow

    champion, page = run
    challenger = train(EventData(demo_dir, crm=demo_crm), WORSE, workdir=isolated_mlflow,
                       models_dir=isolated_mlflow / "models")
    assert challenger.metrics["alias"] == "challenger"
    mlflow.set_tracking_uri(challenger.metrics["tracking_uri"])
    logged = mlflow.artifacts.load_text(
        f"runs:/{challenger.metrics['run_id']}/report/report.html")
    assert page_identity(logged)["model-version"] == challenger.metrics["model_version"]
    bundle = (isolated_mlflow / "models" / "champion" / REPORT_FILE).read_text()
    assert page_identity(bundle)["model-version"] == champion.metrics["model_version"]


def test_report_verb_copies_the_champions_report(run, isolated_mlflow, tmp_path, capsys):
    _, page = run
    out = tmp_path / "out" / "report.html"
    code = main(["report", "--models-dir", str(isolated_mlflow / "models"), "--out", str(out)])
    assert code == 0
    assert out.read_text() == (isolated_mlflow / "models" / "champion" / REPORT_FILE).read_text()
    assert str(out) in capsys.readouterr().out


def test_report_verb_builds_a_report_from_an_export(run, isolated_mlflow, demo_dir,
                                                     labelled_from_raw_export, tmp_path):
    out = tmp_path / "fresh.html"
    code = main(["report", "--models-dir", str(isolated_mlflow / "models"), "--data",
                 str(demo_dir), "--out", str(out)])
    assert code == 0
    page = out.read_text()
    shown = {row[0]: row[1:] for row in Tables(page).tables["conv-source"][1:]}
    assert shown == expected_rows(labelled_from_raw_export, "source")
    assert "every labelled lead of this export" in page


def test_report_verb_without_a_champion_says_what_to_run(tmp_path, capsys):
    code = main(["report", "--models-dir", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "r.html")])
    assert code == 2
    assert "leadconv train" in capsys.readouterr().err


def test_the_notebook_views_of_a_run_show_its_candidates_curves_and_mlflow_page(run):
    import mlflow

    result, _ = run
    table = candidates_table(result)
    mlflow.set_tracking_uri(result.metrics["tracking_uri"])
    logged = mlflow.artifacts.load_text(f"runs:/{result.metrics['run_id']}/{CANDIDATES_ARTIFACT}")
    assert sorted(table["name"]) == sorted(line.split(",")[0]
                                           for line in logged.splitlines()[1:])
    assert table.loc[table["chosen"], "name"].tolist() == [result.metrics["chosen_model"]]
    assert table["valid_calibrated_log_loss"].is_monotonic_increasing
    y, scores = held_out_scores(result)
    assert len(y) == len(result.prepared.split.test) == len(scores["model"])
    assert set(scores) == {"model", "points score"}
    view = evaluation_curves(result)._repr_html_()
    assert view.count('<img src="data:image/png;base64,') == 3
    link = run_link(result)
    assert str(link) == f"http://127.0.0.1:5000/#/runs/{result.metrics['run_id']}"
    assert link.command == f"mlflow ui --backend-store-uri {result.metrics['tracking_uri']}"
    assert run_link(result, "http://mlflow.example:8080/").url == (
        f"http://mlflow.example:8080/#/runs/{result.metrics['run_id']}")
