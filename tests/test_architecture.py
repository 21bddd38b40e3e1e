"""The architecture holds: imports point one way between packages, and no file imports itself
back through others. The allowed graph is ``tests.import_graph.ALLOWED``."""

from __future__ import annotations

import pytest

from tests.import_graph import ALLOWED, PACKAGES, circles, file_graph, package_graph


@pytest.fixture(scope="module")
def graph():
    return file_graph()


def test_every_package_imports_only_the_packages_below_it(graph):
    edges = package_graph(graph)
    assert set(edges) == set(PACKAGES)
    offending = {pkg: sorted(targets - ALLOWED[pkg]) for pkg, targets in edges.items()
                 if targets - ALLOWED[pkg]}
    assert offending == {}


def test_the_allowed_graph_itself_has_no_circle():
    assert circles({pkg: set(targets) for pkg, targets in ALLOWED.items()}) == []


def test_no_import_circle_between_files(graph):
    assert circles(graph) == []


def test_training_and_serving_never_import_each_other(graph):
    crossing = [(a, b) for a, targets in graph.items() for b in targets
                if {a.split(".")[0], b.split(".")[0]} == {"training", "serving"}]
    assert crossing == []


def test_the_checker_sees_imports_inside_functions_and_finds_circles():
    assert "serving.holder" in file_graph()["serving.app"]
    lazy = file_graph()["cli.model"]  # the CLI imports its verbs' libraries lazily
    assert any(m.startswith("training.") for m in lazy)
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
