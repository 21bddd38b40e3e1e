"""Shared fixtures: small deterministic demo data from our own generator (fixed seed)."""

from __future__ import annotations

import pytest

SMALL_DEMO = {"n_leads": 3000, "seed": 7}


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """A small demo export written to disk (event shape + truth.csv)."""
    from features.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    write_demo(folder, **SMALL_DEMO)
    return folder


@pytest.fixture(scope="session")
def demo_crm(demo_dir):
    """The small demo export, loaded and validated through the data contract."""
    from features.contract import load_crm

    return load_crm(demo_dir)
