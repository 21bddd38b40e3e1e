"""Challenger against champion side by side, and promotion by hand (the notebook's helpers)."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import log_loss

from demodata.files import data_folder
from scoring.bundle import REPORT_FILE, load_bundle
from serving.report import page_identity
from tests.conftest import EARLIER_EXPORT
from training import track
from training.compare import compare_with_champion, promote
from training.config import TrainConfig
from training.train import EventData, train

FAST = TrainConfig(hgb_params=(), logreg_c=(0.05,))


@pytest.fixture(scope="module")
def runs(isolated_mlflow, demo_dir, demo_crm):
    """A champion (v1) from an earlier export, then a challenger (v2) from the newer one, in
    the same store."""
    kwargs = {"workdir": isolated_mlflow, "models_dir": isolated_mlflow / "models"}
    champion = train(EventData(demo_dir, as_of=EARLIER_EXPORT), FAST, promote="if_better", **kwargs)
    return champion, train(EventData(demo_dir, crm=demo_crm), FAST, **kwargs)


def unseen_by(champion, challenger) -> pd.Index:
    """The challenger's test leads scored after the champion's newest training lead."""
    prepared = challenger.prepared
    until = pd.Timestamp(champion.metrics["published_fit_until_ts"], unit="s", tz="UTC")
    test = prepared.split.test
    return test[(prepared.scored_at.loc[test] > until).to_numpy()]


def test_comparison_puts_challenger_champion_and_points_side_by_side(runs, isolated_mlflow):
    champion, challenger = runs
    assert challenger.metrics["alias"] == "challenger"
    comparison = compare_with_champion(challenger, workdir=isolated_mlflow)
    v_new, v_old = challenger.metrics["model_version"], champion.metrics["model_version"]
    assert comparison.comparable, comparison.note
    assert comparison.champion_version is not None, (champion.decision, champion.metrics)
    assert list(comparison.metrics.columns) == [f"challenger v{v_new}", f"champion v{v_old}",
                                                "points score"]
    rows = unseen_by(champion, challenger)
    assert 100 <= len(rows) <= len(challenger.prepared.split.test)
    x, y = challenger.prepared.x.loc[rows], challenger.prepared.y.loc[rows].to_numpy()
    table = comparison.metrics
    assert table.loc["log loss", f"challenger v{v_new}"] == pytest.approx(
        log_loss(y, challenger.evaluated_model.predict_proba(x)[:, 1]))
    assert table.loc["log loss", f"champion v{v_old}"] == pytest.approx(
        log_loss(y, champion.model.predict_proba(x)[:, 1]))
    assert f"{len(rows):,} test leads" in comparison.note
    # better means a lower log loss on the same leads (tolerance 0); forcing always promotes
    new, old = (table.loc["log loss", c] for c in (f"challenger v{v_new}", f"champion v{v_old}"))
    assert comparison.challenger_is_better == (new <= old)
    assert comparison.should_promote() == comparison.challenger_is_better
    assert comparison.should_promote(True)
    assert len(comparison.figure.axes[0].lines) == 3  # diagonal + two models


def test_a_champion_fitted_on_the_same_export_cannot_be_compared_fairly(runs, isolated_mlflow,
                                                                         demo_dir):
    champion, _ = runs  # v1, fitted on every lead of the earlier export
    again = train(EventData(demo_dir, as_of=EARLIER_EXPORT), FAST, promote="if_better",
                  workdir=isolated_mlflow, models_dir=isolated_mlflow / "models")
    assert again.metrics["alias"] == "challenger"
    assert "fitted on this very export" in again.decision["reason"]
    assert f"champion v{champion.metrics['model_version']} kept" in again.decision["reason"]
    comparison = compare_with_champion(again, workdir=isolated_mlflow)
    assert not comparison.comparable and not comparison.challenger_is_better
    assert "fitted on this very export" in comparison.note


def test_first_run_has_no_champion_to_compare_with(runs, isolated_mlflow):
    first, _ = runs
    comparison = compare_with_champion(first, workdir=isolated_mlflow)
    assert comparison.champion_version is None
    assert comparison.challenger_is_better
    assert "champion" not in " ".join(comparison.metrics.columns)


def test_promote_moves_the_alias_and_the_bundle_with_its_report(runs, isolated_mlflow):
    _, challenger = runs
    version = challenger.metrics["model_version"]
    folder = promote(version, workdir=isolated_mlflow, models_dir=isolated_mlflow / "models")
    tracking = track.resolve_tracking(isolated_mlflow)
    assert track.champion_version(tracking, "lead-conversion") == version
    _, card = load_bundle(folder)
    assert card.version == version and card.alias == "champion"
    assert page_identity((folder / REPORT_FILE).read_text())["model-version"] == version


def test_data_folder_writes_the_demo_only_when_no_path_is_given(tmp_path, demo_dir):
    assert data_folder(demo_dir, tmp_path) == demo_dir
    folder = data_folder(None, tmp_path, demo_leads=200)
    assert (folder / "leads.csv").exists() and folder.parent == tmp_path
