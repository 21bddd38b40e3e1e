"""Importing the service is light: no MLflow, no training code, no model load."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_serving_imports_neither_mlflow_nor_training():
    code = ("import sys, serving.app, cli.serve; "
            "heavy = [m for m in sys.modules if m.split('.')[0] in ('mlflow', 'training')]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
