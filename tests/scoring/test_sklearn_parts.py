"""scikit-learn's private names are read in one module only (``scoring.sklearn_parts``), and the
installed scikit-learn is the range that module was written for."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import sklearn
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tests.import_graph import PACKAGES, ROOT

PARTS = Path("scoring/sklearn_parts.py")
# Names of scikit-learn internals that carry no leading underscore (attributes of private classes).
INTERNAL_NAMES = {"calibrators", "raw_left_cat_bitsets", "make_known_categories_bitsets",
                  "bin_thresholds_", "missing_values_bin_idx_"}
# Public API of namedtuples, underscored so it cannot clash with field names.
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
ATTRIBUTE_FUNCTIONS = {"getattr", "hasattr", "setattr", "delattr"}


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_access(source: str) -> list[str]:
    """Each access to a private name in ``source``: ``line: what``.

    Private: an import from a private scikit-learn module or of an underscored name from
    scikit-learn; an underscored attribute of anything but ``self``/``cls`` (read, written, or
    through getattr and friends); the internal names of ``INTERNAL_NAMES``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sklearn":
            module = node.module or ""
            names = [a.name for a in node.names if _private(a.name)]
            if any(_private(part) for part in module.split(".")) or names:
                found.append(f"{node.lineno}: from {module} import {', '.join(names) or '...'}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "sklearn" and any(_private(p) for p in parts):
                    found.append(f"{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if (_private(node.attr) and node.attr not in NAMEDTUPLE_API) or \
                    node.attr in INTERNAL_NAMES:
                found.append(f"{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str) and \
                    (_private(name.value) or name.value in INTERNAL_NAMES):
                found.append(f"{node.lineno}: {node.func.id}(..., {name.value!r})")
    return found


def project_files() -> list[Path]:
    return sorted(p.relative_to(ROOT) for folder in (*PACKAGES, "benchmarks")
                  for p in (ROOT / folder).rglob("*.py"))


def test_private_scikit_learn_names_are_read_only_in_sklearn_parts():
    files = project_files()
    assert PARTS in files and Path("scoring/compiled.py") in files
    offending = {str(path): found for path in files if path != PARTS
                 for found in [private_access((ROOT / path).read_text(encoding="utf-8"))]
                 if found}
    assert offending == {}


def test_sklearn_parts_is_where_they_are_read():
    found = "\n".join(private_access((ROOT / PARTS).read_text(encoding="utf-8")))
    for name in ("_SigmoidCalibration", "._predictors", "._bin_mapper", "._baseline_prediction",
                 "'_preprocessor'", ".calibrators", ".raw_left_cat_bitsets"):
        assert name in found, name


def test_the_checker_finds_every_kind_of_private_access():
    source = "\n".join([
        "from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration",
        "from sklearn.ensemble._hist_gradient_boosting.common import X_DTYPE",
        "import sklearn.utils._param_validation",
        "trees = model._predictors",
        "model._baseline_prediction = 0.0",
        "step = getattr(model, '_preprocessor', None)",
        "calibrator = fitted.calibrated_classifiers_[0].calibrators[0]",
        # not private: our own object, dunders, namedtuple API, public fitted attributes, others
        "self._cache = cls._table",
        "name = model.__class__.__name__",
        "post = post._replace(at=1)",
        "coef = model.coef_",
        "from sklearn.pipeline import Pipeline",
        "from collections import _private_helper",
    ])
    assert [f.split(":")[0] for f in private_access(source)] == ["1", "2", "3", "4", "5", "6",
                                                                 "7"]


def test_the_installed_scikit_learn_is_the_pinned_range():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins = [d for d in pyproject["project"]["dependencies"] if d.startswith("scikit-learn")]
    assert len(pins) == 1
    spec = SpecifierSet(pins[0].split(";")[0].removeprefix("scikit-learn"))
    installed = Version(sklearn.__version__)
    assert installed in spec
    # exactly the installed minor release: sklearn_parts is only known to be right for it
    major, minor = installed.major, installed.minor
    assert Version(f"{major}.{minor}.0") in spec
    assert Version(f"{major}.{minor + 1}.0") not in spec
    assert minor == 0 or Version(f"{major}.{minor - 1}.99") not in spec
