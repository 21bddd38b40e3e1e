"""The project's import graph, read from the source (every ``import``, also inside functions).

``python -m tests.import_graph`` (or ``make graph``) prints the edges between packages and any
circle between files. ``tests/test_architecture.py`` holds the graph against ``ALLOWED``.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("features", "demodata", "scoring", "store", "training", "report", "monitoring",
            "serving", "engines", "cli")

# package -> the packages it may import. Features at the ground; the saved model above it;
# training, the report and the service above that (training writes the report; the service only
# reads the saved model); the engines (Spark) run the features and the saved model elsewhere; the
# command line on top.
ALLOWED: dict[str, set[str]] = {
    "features": set(),
    "demodata": {"features"},
    "scoring": {"features"},
    "store": {"features"},
    "report": {"features", "scoring"},
    "training": {"features", "scoring", "report", "store"},
    "monitoring": {"features", "scoring", "report", "store"},
    "serving": {"features", "scoring", "store", "monitoring"},
    "engines": {"features", "scoring", "store"},
    "cli": {"features", "demodata", "scoring", "store", "training", "report", "monitoring",
            "serving", "engines"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module of the project that ``path`` imports (absolute imports; ours use no others)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {m for m in out if m.split(".")[0] in PACKAGES}


def file_graph() -> dict[str, set[str]]:
    """module -> the project's modules it imports (only names that are modules of ours)."""
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        graph[name] = {m for m in imported_modules(path) if m in files and m != name}
    return graph


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for source, targets in graph.items():
        for target in targets:
            a, b = source.split(".")[0], target.split(".")[0]
            if a != b:
                edges[a].add(b)
    return {pkg: edges.get(pkg, set()) for pkg in PACKAGES}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(1000, 10 * len(graph)))
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    graph = file_graph()
    for pkg, targets in package_graph(graph).items():
        extra = targets - ALLOWED[pkg]
        mark = f"   NOT ALLOWED: {', '.join(sorted(extra))}" if extra else ""
        sys.stdout.write(f"{pkg:9} -> {', '.join(sorted(targets)) or '(nothing)'}{mark}\n")
    found = circles(graph)
    sys.stdout.write("circles between files: " + ("; ".join(" -> ".join(c) for c in found)
                                                  if found else "none") + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
