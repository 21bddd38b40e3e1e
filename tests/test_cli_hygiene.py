"""CLI hygiene: ``--version`` from the package metadata, defaults in every verb's ``--help``,
and MLflow's own INFO lines kept out of the output unless ``-v``."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from cli.main import VERBS, main

ROOT = Path(__file__).resolve().parents[1]


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"leadconv {version('leadconv')}\n"


def _verb_help(verb: str, monkeypatch, capsys) -> tuple[str, argparse.ArgumentParser]:
    """The ``--help`` text of a verb and the parser that printed it."""
    seen: list[argparse.ArgumentParser] = []
    original = argparse.ArgumentParser.print_help

    def record(self, file=None):
        seen.append(self)
        return original(self, file)

    monkeypatch.setattr(argparse.ArgumentParser, "print_help", record)
    with pytest.raises(SystemExit):
        main([verb, "--help"])
    return " ".join(capsys.readouterr().out.split()), seen[-1]


@pytest.mark.parametrize("verb", list(VERBS))
def test_every_verb_help_shows_the_defaults_of_its_options(verb, monkeypatch, capsys):
    text, parser = _verb_help(verb, monkeypatch, capsys)
    assert parser.prog.endswith(verb)
    shown = 0
    for action in parser._actions:  # argparse's own list of a parser's options
        default = action.default
        if (not action.option_strings or default in (None, False, [], argparse.SUPPRESS)
                or "default" in (action.help or "")):
            continue
        assert f"(default: {default})" in text, (verb, action.option_strings)
        shown += 1
    assert "(default: None)" not in text and "(default: False)" not in text
    assert shown or "default" in text  # options without a value default say theirs in words


QUIET = ("import sys; from cli.main import quiet_libraries; quiet_libraries(int(sys.argv[1])); "
         "from mlflow import MlflowClient; "
         "MlflowClient(tracking_uri=sys.argv[2]).search_experiments()")


@pytest.mark.parametrize("verbose", [0, 1])
def test_mlflow_info_lines_only_with_verbose(verbose, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_LOGGING_LEVEL"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", QUIET, str(verbose),
                           f"sqlite:///{tmp_path / 'mlflow.db'}"], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120, check=True)
    creating = "INFO mlflow.store.db.utils: Creating initial MLflow database tables"
    assert (creating in done.stderr) == (verbose > 0), done.stderr[-2000:]
