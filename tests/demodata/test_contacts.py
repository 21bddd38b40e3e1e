"""The contacts-style flat demo (the third generator): deterministic, calibrated truth, a base
rate that rises four-fold, a relation that reverses half-way, planted leaks (one snapshot named
in the middle, one with no word of state at all), honest lookalikes, and readable by the
product's flat reader with its day-first dates.

Statistics are measured here on their own (``tests.demodata.test_vendor``'s out-of-fold
single-column AUC; plain logistic regressions), not with the product's modules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from cli.data import run
from demodata.contacts import (
    HONEST_LOOKALIKES,
    ID_COLUMN,
    PLANTED_LEAKS,
    REVERSED_COLUMN,
    TARGET,
    TIME_COLUMN,
    TIME_FORMAT,
    UNNAMED_SNAPSHOTS,
    contacts_export,
    write_contacts_demo,
)
from demodata.contacts_story import END_RATE, REVERSAL_AT, START_RATE, WINDOW_DAYS
from features.flat import lead_times
from features.flat_read import read_flat
from features.roles import infer_mapping, tokens
from tests.demodata.test_vendor import LEAK_WORDS, SE_TOLERANCE, single_auc

N_LEADS, SEED, AS_OF = 8000, 11, "2026-10-01"
FILES = ("export.csv", "truth.csv", "README.md")
LEAK_BAND = (0.65, 0.95)
HONEST_CAP = 0.68
RATE_TOLERANCE = 0.03
STATE_WORDS = LEAK_WORDS | {"currently", "recent", "recently", "newest"}
MIN_REVERSAL = 0.3  # |coefficient| of log1p(clicks) in each half, with the other columns held


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("contacts")
    export, truth = write_contacts_demo(folder, n_leads=N_LEADS, seed=SEED, as_of=AS_OF)
    return folder, export, truth


@pytest.fixture(scope="module")
def export(written) -> pd.DataFrame:
    return read_flat(written[0] / "export.csv").frame


@pytest.fixture(scope="module")
def y(export) -> np.ndarray:
    return export[TARGET].eq("Yes").to_numpy(dtype=int)


@pytest.fixture(scope="module")
def when(export) -> pd.Series:
    return pd.to_datetime(export[TIME_COLUMN], format=TIME_FORMAT)


@pytest.fixture(scope="module")
def aucs(export, y) -> pd.Series:
    columns = [c for c in export.columns if c not in (ID_COLUMN, TIME_COLUMN, TARGET)]
    return pd.Series({c: single_auc(export[c], y) for c in columns})


def test_same_seed_writes_byte_identical_files_and_another_seed_other_contacts(written,
                                                                               tmp_path):
    write_contacts_demo(tmp_path, n_leads=N_LEADS, seed=SEED, as_of=AS_OF)
    for name in FILES:
        assert (written[0] / name).read_bytes() == (tmp_path / name).read_bytes(), name
    _, other = contacts_export(N_LEADS, SEED + 1, AS_OF)
    assert not np.allclose(other["p_true"], written[2]["p_true"])
    with pytest.raises(ValueError, match="at least"):
        contacts_export(n_leads=10)


def test_truth_is_calibrated_in_each_half_of_the_window(written, y, when):
    p = written[2]["p_true"].to_numpy()
    for half in (when < when.median()).to_numpy(), (when >= when.median()).to_numpy():
        se = np.sqrt(np.sum(p[half] * (1 - p[half]))) / half.sum()
        assert abs(y[half].mean() - p[half].mean()) < SE_TOLERANCE * se


def test_the_base_rate_rises_four_fold(written, when):
    p = written[2]["p_true"].to_numpy()
    assert (when.max() - when.min()).days >= WINDOW_DAYS - 2
    first = (when < when.min() + pd.Timedelta(days=45)).to_numpy()
    last = (when > when.max() - pd.Timedelta(days=45)).to_numpy()
    assert p[first].mean() == pytest.approx(START_RATE, abs=RATE_TOLERANCE)
    assert p[last].mean() == pytest.approx(END_RATE, abs=RATE_TOLERANCE)
    assert p[last].mean() > 3 * p[first].mean()


def test_the_clicks_relation_reverses_half_way(export, y, when):
    frac = ((when - when.min()) / (when.max() - when.min())).to_numpy()
    x = pd.get_dummies(export[["Original Source", "Company Size", "Requested a Quote"]].fillna(
        "blank")).astype(float)
    x["clicks"] = np.log1p(export[REVERSED_COLUMN].to_numpy(dtype=float))
    x["intent"] = np.log1p(export["Number of Form Submissions"].to_numpy(dtype=float))
    coef = []
    for half in frac < REVERSAL_AT, frac >= REVERSAL_AT:
        model = LogisticRegression(C=10.0, max_iter=2000).fit(x[half], y[half])
        coef.append(model.coef_[0][list(x.columns).index("clicks")])
    assert coef[0] > MIN_REVERSAL and coef[1] < -MIN_REVERSAL, coef


@pytest.mark.parametrize("column", list(PLANTED_LEAKS))
def test_each_planted_leak_has_a_single_column_auc_in_the_band(aucs, column):
    low, high = LEAK_BAND
    assert low <= aucs[column] <= high, (column, aucs[column])


def test_honest_columns_stay_below_the_cap_and_the_lookalikes_look_suspicious(aucs):
    honest = aucs.drop(list(PLANTED_LEAKS))
    assert (honest < HONEST_CAP).all(), honest[honest >= HONEST_CAP]
    assert set(HONEST_LOOKALIKES) <= set(honest.index)
    # two lookalikes carry a word of state; one snapshot leak carries none, one in the middle
    assert sum(bool(set(tokens(c)) & STATE_WORDS) for c in HONEST_LOOKALIKES) >= 2
    for column in UNNAMED_SNAPSHOTS:
        assert not set(tokens(column)) & STATE_WORDS
    named = [c for c, k in PLANTED_LEAKS.items() if k == "snapshot" and c not in UNNAMED_SNAPSHOTS]
    assert any(0 < i < len(tokens(c)) - 1 for c in named for i, t in enumerate(tokens(c))
               if t in STATE_WORDS)


def test_the_product_reads_the_export_with_its_day_first_dates(written, export):
    mapping = infer_mapping(export, TARGET, id_column=ID_COLUMN, time_column=TIME_COLUMN)
    parsed = lead_times(export, mapping)
    assert parsed.notna().all()
    expected = pd.to_datetime(export[TIME_COLUMN], format=TIME_FORMAT).dt.tz_localize("UTC")
    assert (parsed.reset_index(drop=True) == expected).all()


def test_the_cli_writes_it(tmp_path, capsys):
    assert run("demo-data", ["--flat", "--style", "contacts", "--out", str(tmp_path / "c"),
                             "--leads", "500"]) == 0
    assert "contacts-style flat export of 500 contacts" in capsys.readouterr().out
    assert (tmp_path / "c" / "README.md").read_text().count("Sequence Step Reached") >= 2
