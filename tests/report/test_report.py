"""The marketers' report of a training run: sections, numbers checked against the raw export,
self-contained, logged to MLflow, exported with the champion, and the ``leadconv report`` verb."""

from __future__ import annotations

import base64
import re
import struct

import numpy as np
import pandas as pd
import pytest

from cli.main import main
from features.firmographics import SIZE_BANDS
from scoring.bundle import REPORT_FILE
from serving.report import page_identity
from tests.report.html_tables import Tables, expected_rows, text_of
from training.config import TrainConfig
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
    edges = [lower for lower, _ in SIZE_BANDS] + [np.inf]
    frame["company_size_band"] = pd.cut(frame["company_size"].clip(lower=1), edges, right=False,
                                        labels=[name for _, name in SIZE_BANDS])
    return frame[observed.to_numpy()]


def test_report_has_every_section_for_marketers(run):
    _, page = run
    text = text_of(page)
    for heading in ("What drives conversion", "Conversion rate by segment",
                    "How far to trust the score", "The BANT picture", "Model facts",
                    "By lead source", "By industry", "By company size band", "By MQL month",
                    "The model against the points score"):
        assert heading in text, heading
    assert "benchmark 13%" in text


@pytest.mark.parametrize("segment", ["source", "industry", "company_size_band", "mql_month"])
def test_conversion_rates_shown_equal_those_computed_from_the_raw_export(
        run, truth_from_raw_export, segment):
    _, page = run
    shown = {row[0]: row[1:] for row in Tables(page).tables[f"conv-{segment}"][1:]}
    assert shown == expected_rows(truth_from_raw_export, segment)


def test_overall_conversion_is_sqls_over_labelled_mqls(run, truth_from_raw_export):
    _, page = run
    truth = truth_from_raw_export["converted"]
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


def test_bant_shares_cover_every_labelled_lead(run, truth_from_raw_export):
    _, page = run
    rows = Tables(page).tables["bant"][1:]
    for flag in ("budget", "authority", "need", "timeline"):
        counts = [int(r[2].replace(",", "")) for r in rows if r[0] == flag]
        assert [r[1] for r in rows if r[0] == flag] == ["true", "false", "unknown"]
        assert sum(counts) == len(truth_from_raw_export)


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


def test_report_is_self_contained_with_decodable_charts(run):
    _, page = run
    assert not re.search(r"""(src|href)=["']?(https?:|//)|<link\b|@import|url\(""", page)
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) >= 8
    for source in sources:
        assert source.startswith("data:image/png;base64,")
        png = base64.b64decode(source.split(",", 1)[1])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width > 100 and height > 100
    assert "@media print" in page


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
                                                     truth_from_raw_export, tmp_path):
    out = tmp_path / "fresh.html"
    code = main(["report", "--models-dir", str(isolated_mlflow / "models"), "--data",
                 str(demo_dir), "--out", str(out)])
    assert code == 0
    page = out.read_text()
    shown = {row[0]: row[1:] for row in Tables(page).tables["conv-source"][1:]}
    assert shown == expected_rows(truth_from_raw_export, "source")
    assert "every labelled lead of this export" in page


def test_report_verb_without_a_champion_says_what_to_run(tmp_path, capsys):
    code = main(["report", "--models-dir", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "r.html")])
    assert code == 2
    assert "leadconv train" in capsys.readouterr().err
