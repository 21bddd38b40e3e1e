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


def test_the_prediction_log_gives_the_export_s_verdict_and_figures(trained, exports, tmp_path,
                                                                   capsys):
    """Scores logged by ``leadconv score`` and outcomes fed back by ``leadconv outcomes import``
    are monitored exactly as the export they came from: the inputs come back from each score's
    fingerprint, bin for bin."""
    _, drifting, _ = exports
    db = f"sqlite:///{tmp_path / 'log.db'}"
    models = str(trained / "models")
    assert main(["score", "--data", str(drifting), "--out", str(tmp_path / "scores.csv"),
                 "--at", "mql", "--models-dir", models, "--database-url", db]) == 0
    assert main(["outcomes", "import", str(drifting / "outcomes.csv"),
                 "--rejects", str(tmp_path / "rejects.csv"), "--database-url", db]) == 0
    from_export, _, _ = monitor(capsys, trained, drifting, tmp_path / "export")
    export = json.loads((tmp_path / "export" / "monitor.json").read_text())
    code = main(["monitor", "--as-of", export["data"]["as_of"], "--database-url", db,
                 "--models-dir", models, "--out", str(tmp_path / "log")])
    printed = capsys.readouterr().out
    logged = json.loads((tmp_path / "log" / "monitor.json").read_text())
    assert from_export == code == 1 and "prediction log" in printed
    assert logged["data"]["source"] == "prediction log"
    assert logged["data"]["n_without_fingerprint"] == 0
    assert [r["column"] for r in logged["reasons"] if "column" in r] == \
        [r["column"] for r in export["reasons"] if "column" in r]
    psi = {(c["month"], c["column"]): c["psi"] for c in export["drift"]}
    assert len(logged["drift"]) == len(psi)
    for cell in logged["drift"]:
        assert cell["psi"] == pytest.approx(psi[(cell["month"], cell["column"])], abs=1e-9)
    realised = {r["month"]: r for r in export["realised"]}
    for row in logged["realised"]:
        mine = realised[row["month"]]
        assert (row["n"], row["observed_rate"]) == (mine["n"], mine["observed_rate"])
        assert row["ece"] == pytest.approx(mine["ece"], abs=1e-12)


def test_an_older_model_version_is_checked_from_its_kept_bundle(trained, tmp_path, capsys):
    version = json.loads((trained / "models" / "champion" / "model.json").read_text())["version"]
    db = f"sqlite:///{tmp_path / 'log.db'}"
    base = ["monitor", "--database-url", db, "--models-dir", str(trained / "models"), "--out",
            str(tmp_path / "out")]
    assert main([*base, "--model-version", "999"]) == 2
    assert "model version 999 is not among the bundles kept" in capsys.readouterr().err
    assert main([*base, "--model-version", version]) == 2  # found, but nothing logged yet
    assert f"no score of model v{version}" in capsys.readouterr().err
