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


@pytest.fixture(scope="session")
def demo_xy(demo_crm):
    """Model inputs ``x``, labels ``y`` and the labelled frame of the small demo, at MQL time."""
    from features.build import build_features, feature_matrix
    from training.labels import make_labels

    features = build_features(demo_crm.leads, demo_crm.activities)
    labelled = make_labels(features["scored_at"], demo_crm.outcomes, demo_crm.as_of, 90).labelled
    return feature_matrix(features.loc[labelled.index]), labelled["label"].astype(int), labelled


FLAT_DEMO = {"n_leads": 8000, "seed": 11}


@pytest.fixture(scope="session")
def flat_demo_dir(tmp_path_factory):
    """The flat demo export (export.csv, truth.csv): ~6,300 leads whose horizon is over."""
    from features.demo_flat import write_flat_demo

    folder = tmp_path_factory.mktemp("flat_demo")
    write_flat_demo(folder, **FLAT_DEMO)
    return folder
