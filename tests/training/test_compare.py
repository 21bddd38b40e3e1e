"""Challenger against champion side by side, and promotion by hand (the notebook's helpers)."""

from __future__ import annotations

import pytest

from demodata.files import data_folder
from scoring.bundle import REPORT_FILE, load_bundle
from serving.report import page_identity
from training import track
from training.compare import compare_with_champion, promote
from training.config import TrainConfig
from training.train import EventData, train

FAST = TrainConfig(hgb_params=(), logreg_c=(0.05,))
WORSE = TrainConfig(hgb_params=(), logreg_c=(1e-6,))


@pytest.fixture(scope="module")
def runs(isolated_mlflow, demo_dir, demo_crm):
    """A good champion (v1), then a worse challenger (v2) in the same store."""
    kwargs = {"workdir": isolated_mlflow, "models_dir": isolated_mlflow / "models"}
    data = EventData(demo_dir, crm=demo_crm)
    champion = train(data, FAST, promote="if_better", **kwargs)
    return champion, train(EventData(demo_dir, crm=demo_crm), WORSE, **kwargs)


def test_comparison_puts_challenger_champion_and_points_side_by_side(runs, isolated_mlflow):
    champion, challenger = runs
    assert challenger.metrics["alias"] == "challenger"
    comparison = compare_with_champion(challenger, workdir=isolated_mlflow)
    v_new, v_old = challenger.metrics["model_version"], champion.metrics["model_version"]
    assert list(comparison.metrics.columns) == [f"challenger v{v_new}", f"champion v{v_old}",
                                                "points score"]
    table = comparison.metrics
    assert table.loc["ROC AUC", f"challenger v{v_new}"] == pytest.approx(
        challenger.metrics["test_auc"])
    assert table.loc["log loss", f"champion v{v_old}"] == pytest.approx(
        champion.metrics["test_log_loss"])
    assert table.loc["ROC AUC", "points score"] == pytest.approx(champion.metrics["points_auc"])
    assert not comparison.challenger_is_better
    assert not comparison.should_promote() and comparison.should_promote(True)
    assert len(comparison.figure.axes[0].lines) == 3  # diagonal + two models


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
