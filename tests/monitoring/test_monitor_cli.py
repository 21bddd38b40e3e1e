"""``leadconv monitor --data`` end to end on the session's trained champion (``trained``): healthy
on a normal export, attention on a drifting one (naming the features and the months after the
change date), an error when the champion has no profile."""

from __future__ import annotations

import json
import shutil

import pytest

from cli.main import main
from demodata.drift import Drift
from demodata.files import write_demo

EXPORT = {"n_leads": 6000, "seed": 8}  # another draw of the story than the training data


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """A normal and a drifting export of the same leads: (normal, drifting, change month)."""
    folder = tmp_path_factory.mktemp("monitor_exports")
    write_demo(folder / "normal", **EXPORT)
    drifted = write_demo(folder / "drifting", **EXPORT, drift=Drift())
    assert drifted.change_at is not None
    return folder / "normal", folder / "drifting", drifted.change_at.strftime("%Y-%m")


def monitor(capsys, trained, data, out, *extra):
    code = main(["monitor", "--data", str(data), "--models-dir", str(trained / "models"),
                 "--out", str(out), *extra])
    printed, err = capsys.readouterr()
    return code, printed, err


def test_a_normal_export_is_healthy(trained, exports, tmp_path, capsys):
    code, printed, _ = monitor(capsys, trained, exports[0], tmp_path, "--since", "2025-01-01")
    summary = json.loads((tmp_path / "monitor.json").read_text())
    assert (code, summary["exit_code"], summary["status"]) == (0, 0, "healthy")
    assert summary["reasons"] == []
    assert summary["data"]["n_matured"] > 0 and summary["bands"]
    assert "healthy (exit 0)" in printed
    assert "Healthy" in (tmp_path / "monitor.html").read_text()


def test_a_drifting_export_names_the_features_and_the_months_after_the_change(
        trained, exports, tmp_path, capsys):
    # the champion was trained on another export of these months: judge them all (--since)
    code, printed, _ = monitor(capsys, trained, exports[1], tmp_path, "--since", "2025-01-01")
    change = exports[2]
    summary = json.loads((tmp_path / "monitor.json").read_text())
    assert code == summary["exit_code"] == 1
    inputs = {r["column"]: r["months"] for r in summary["reasons"] if r["kind"] == "input_drift"}
    assert "source" in inputs
    judged_after = sorted({c["month"] for c in summary["drift"]
                           if c["judged"] and c["month"] != "all" and c["month"] >= change})
    assert judged_after and inputs["source"] == judged_after
    assert any(name.startswith("n_pricing_page_view") for name in inputs)
    for months in inputs.values():  # nothing before the change is called drift
        assert all(m >= change for m in months)
    calibration = [r for r in summary["reasons"] if r["kind"] == "calibration"]
    assert calibration and all(m >= change for m in calibration[0]["months"])
    assert "feature 'source' drifted" in printed
    page = (tmp_path / "monitor.html").read_text()
    assert "Needs attention" in page and "source" in page


def test_a_champion_without_a_profile_is_an_error_asking_to_retrain(trained, exports, tmp_path,
                                                                    capsys):
    models = tmp_path / "models"
    shutil.copytree(trained / "models", models)
    (models / "champion" / "profile.json").unlink()
    code = main(["monitor", "--data", str(exports[0]), "--models-dir", str(models),
                 "--out", str(tmp_path / "out")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "no reference profile" in err and "retrain" in err
    assert not (tmp_path / "out" / "monitor.json").exists()
