"""``leadconv retrain`` end to end on the drifting demo: without a champion it trains and promotes;
the retrained champion's newest months are healthy for the monitor; ``--if-needed`` leaves a
healthy young champion alone, names the drift of a champion trained before the change, and
retrains an old champion, keeping it (exit 1) when the challenger cannot be compared fairly; bad
or stale data is exit 2. Two training runs in all (``promoted`` and the last test)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from cli.main import main
from demodata.drift import Drift
from demodata.files import write_demo
from scoring.bundle import CARD_FILE, read_card
from scoring.card import ModelCard
from tests.bundle_tools import rewrite_card
from training.retrain import need

EXPORT = {"n_leads": 6000, "seed": 8}  # as the monitor's tests: ~330 leads a month
EARLIER_EXPORT = "2026-06-30"  # older than the newest lead a champion of the export saw


@pytest.fixture(scope="module")
def drifting(tmp_path_factory):
    """A drifting demo history: (folder, change month)."""
    folder = tmp_path_factory.mktemp("retrain_export")
    written = write_demo(folder, **EXPORT, drift=Drift())
    assert written.change_at is not None
    return folder, written.change_at.strftime("%Y-%m")


def retrain(capsys, data, workdir, *extra):
    code = main(["retrain", "--data", str(data), "--workdir", str(workdir), "--models-dir",
                 str(workdir / "models"), "--out", str(workdir / "retrain"), *extra])
    printed, err = capsys.readouterr()
    result = json.loads((workdir / "retrain" / "retrain.json").read_text())
    return code, printed.strip().splitlines()[-1], result, err


@pytest.fixture(scope="module")
def promoted(drifting, isolated_mlflow):
    """One retraining on the drifting history without a champion: (exit code, summary line,
    retrain.json, workdir)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["retrain", "--data", str(drifting[0]), "--workdir", str(isolated_mlflow),
                     "--models-dir", str(isolated_mlflow / "models"),
                     "--out", str(isolated_mlflow / "retrain")])
    result = json.loads((isolated_mlflow / "retrain" / "retrain.json").read_text())
    return code, out.getvalue().strip().splitlines()[-1], result, isolated_mlflow


def test_without_a_champion_the_challenger_is_promoted(promoted):
    code, summary, result, workdir = promoted
    assert code == 0 == result["exit_code"]
    assert result["status"] == "promoted" and result["champion"] == "1"
    assert summary == result["summary"]
    assert summary.startswith("retrain: promoted v1 (no champion yet); reason: retraining asked")
    assert read_card(workdir / "models" / "champion").version == "1"


def test_the_retrained_champion_is_healthy_on_the_months_after_the_change(promoted, drifting,
                                                                           tmp_path, capsys):
    workdir, change = promoted[3], drifting[1]
    code = main(["monitor", "--data", str(drifting[0]), "--since", f"{change}-01",
                 "--models-dir", str(workdir / "models"), "--out", str(tmp_path)])
    capsys.readouterr()
    summary = json.loads((tmp_path / "monitor.json").read_text())
    assert (code, summary["status"]) == (0, "healthy"), summary["reasons"]
    source = [c["psi"] for c in summary["drift"]
              if c["column"] == "source" and c["judged"] and c["month"] != "all"]
    assert source and max(source) < 0.10  # the profile is the newest window: after the change
    card = read_card(workdir / "models" / "champion")
    assert summary["reference"]["n_leads"] == card.metrics["published_calibration_rows"]
    assert card.metrics["published_calibration_span"].startswith(
        summary["reference"]["period_start"])


def test_if_needed_leaves_a_healthy_young_champion_alone(promoted, drifting, capsys):
    workdir = promoted[3]
    before = (workdir / "models" / "champion").resolve()
    code, summary, result, _ = retrain(capsys, drifting[0], workdir, "--if-needed")
    assert code == 0 == result["exit_code"]
    assert result["status"] == "not_needed" and result["monitor"]["status"] == "healthy"
    assert summary == "retrain: not needed: champion v1 healthy, 0 days old"
    assert (workdir / "models" / "champion").resolve() == before
    assert (workdir / "retrain" / "monitor" / "monitor.json").exists()


def test_if_needed_names_the_drift_of_a_champion_trained_before_the_change(trained, drifting,
                                                                           tmp_path, capsys):
    from cli.retrain import needed, parser

    args = parser().parse_args(["--data", str(drifting[0]), "--models-dir",
                                str(trained / "models"), "--out", str(tmp_path), "--if-needed"])
    decided, facts = needed(args, datetime.now(UTC))
    capsys.readouterr()
    assert decided.retrain and facts is not None and facts["status"] == "attention"
    assert decided.reasons[0].startswith("drift in source (PSI ")


@pytest.mark.parametrize(("card", "verdict", "days", "retrains", "first"), [
    (None, None, 0, True, "no champion yet"),
    (ModelCard(version="3"), {"status": "healthy", "reasons": []}, 5, False,
     "champion v3 healthy, 5 days old"),
    (ModelCard(version="3"), {"status": "healthy", "reasons": []}, 31, True,
     "champion v3 is 31 days old (max 30)"),
    (ModelCard(version="3"), {"status": "attention", "reasons": [
        {"kind": "input_drift", "column": "source", "max_psi": 0.671}]}, 5, True,
     "drift in source (PSI 0.67)"),
])
def test_need_retrains_without_a_champion_on_attention_or_past_the_maximum_age(
        card, verdict, days, retrains, first):
    now = datetime(2026, 10, 1, tzinfo=UTC)
    if card is not None:
        card = card.replace(trained_at=(now - timedelta(days=days)).isoformat())
    decided = need(card, verdict, max_age_days=30, now=now)
    assert (decided.retrain, decided.reasons[0]) == (retrains, first)


def test_unreadable_data_is_exit_2_with_a_summary_line(tmp_path, capsys):
    code, summary, result, err = retrain(capsys, tmp_path / "missing", tmp_path)
    assert code == 2 == result["exit_code"] and result["status"] == "failed"
    assert summary.startswith("retrain: failed: ") and "leadconv: error:" in err


def test_if_needed_on_an_export_older_than_the_champion_is_an_error(promoted, drifting, capsys):
    workdir = promoted[3]
    code, summary, result, err = retrain(capsys, drifting[0], workdir, "--if-needed",
                                         "--as-of", EARLIER_EXPORT)
    assert code == 2 == result["exit_code"] and result["status"] == "failed"
    assert "newer than every lead the champion was fitted on" in summary and "error" in err
    assert read_card(workdir / "models" / "champion").version == "1"


def test_an_old_champion_is_retrained_and_kept_when_the_challenger_cannot_be_compared(
        promoted, drifting, capsys):
    """Last: it ages the module's champion. Healthy, but 60 days old: retrained on the very
    export it was fitted on, so no fair comparison can be made and the champion stays."""
    workdir = promoted[3]
    folder = (workdir / "models" / "champion").resolve()
    card = json.loads((folder / CARD_FILE).read_text())
    card["trained_at"] = (datetime.now(UTC) - timedelta(days=60)).isoformat()
    rewrite_card(folder, card)
    code, summary, result, err = retrain(capsys, drifting[0], workdir, "--if-needed")
    assert code == 1 == result["exit_code"] and result["status"] == "kept", (summary, err)
    assert result["monitor"]["status"] == "healthy"
    assert result["reasons"] == ["champion v1 is 60 days old (max 30)"]
    assert summary.startswith("retrain: kept champion v1: challenger v2 not compared (")
    assert "fitted on this very export" in summary
    assert summary.endswith("; reason: champion v1 is 60 days old (max 30)")
    assert (workdir / "models" / "champion").resolve() == folder
