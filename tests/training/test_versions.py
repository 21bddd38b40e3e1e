"""Promotion is explicit: training registers a challenger, ``leadconv models`` lists, promotes and
rolls back, and a champion the new model cannot be compared with stays champion."""

from __future__ import annotations

import pytest

from cli.main import main
from demodata.flat import TARGET, write_flat_demo
from features.contract import load_crm
from scoring.bundle import read_card
from tests.conftest import EARLIER_EXPORT, scrambled
from training import track
from training.config import TrainConfig
from training.train import EventData, FlatData, train

FAST = TrainConfig(hgb_params=(), logreg_c=(0.05,))
WORSE = TrainConfig(hgb_params=(), logreg_c=(1e-6,))


@pytest.fixture(scope="module")
def store(isolated_mlflow, demo_dir, demo_crm):
    """v1 promoted (a weak model of an earlier export, forced), then a better v2 trained by
    default on the newer export."""
    kw = {"workdir": isolated_mlflow, "models_dir": isolated_mlflow / "models"}
    earlier = scrambled(load_crm(demo_dir, as_of=EARLIER_EXPORT))  # behaviour scrambled
    first = train(EventData(demo_dir, crm=earlier), WORSE, promote="always", **kw)
    second = train(EventData(demo_dir, crm=demo_crm), FAST, **kw)
    return isolated_mlflow, first, second


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_training_registers_a_challenger_without_promoting_it(store):
    workdir, first, second = store
    assert first.metrics["alias"] == "champion"
    assert second.decision["new_test_log_loss"] < second.decision["champion_test_log_loss"]
    assert second.metrics["alias"] == "challenger"  # better, but not asked to promote
    assert "leadconv models promote 2" in second.decision["reason"]
    assert read_card(workdir / "models" / "champion").version == "1"


def test_models_list_promote_and_rollback(store, capsys):
    workdir, _, second = store
    common = ["--workdir", str(workdir), "--models-dir", str(workdir / "models")]
    code, out, _ = run(capsys, "models", "list", *common)
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(rows) == {"1", "2"}
    assert "champion" in rows["1"] and "challenger" in rows["2"]
    assert f"{second.metrics['test_auc']:.3f}" in rows["2"]

    code, out, _ = run(capsys, "models", "promote", "2", *common)
    assert code == 0 and "v2 is now the champion" in out
    tracking = track.resolve_tracking(workdir)
    assert track.champion_version(tracking, "lead-conversion") == "2"
    assert read_card(workdir / "models" / "champion").version == "2"

    code, out, _ = run(capsys, "models", "rollback", *common)
    assert code == 0 and "v1 is the champion again" in out
    assert track.champion_version(tracking, "lead-conversion") == "1"
    assert read_card(workdir / "models" / "champion").version == "1"

    code, _, err = run(capsys, "models", "promote", "9", *common)
    assert code == 2 and "no version '9'" in err


@pytest.mark.slow
def test_a_champion_that_cannot_score_the_new_leads_stays_champion(store, tmp_path):
    workdir, _, _ = store
    write_flat_demo(tmp_path / "flat", n_leads=3000, seed=5)
    champion_before = read_card(workdir / "models" / "champion").version
    flat = train(FlatData(tmp_path / "flat" / "export.csv", TARGET), FAST, promote="if_better",
                 workdir=workdir, models_dir=workdir / "models")
    assert flat.metrics["alias"] == "challenger"
    assert "cannot be made" in flat.decision["reason"]
    assert "trained on an event export, this model on a flat one" in flat.decision["reason"]
    assert read_card(workdir / "models" / "champion").version == champion_before
