"""The vendor-style flat demo: deterministic, calibrated truth, a drifting rate, planted leaks in
their AUC band, honest columns below it, and readable by the product's flat reader.

Single-column AUCs are measured here on their own (out-of-fold target-rate encoding), not with
the product's leakage module: the export is the product's exam, not its mirror."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from cli.data import run
from demodata.vendor import (
    DOMINATES,
    HONEST_LOOKALIKES,
    ID_COLUMN,
    LEAK_KINDS,
    PLANTED_LEAKS,
    TARGET,
    TIME_COLUMN,
    TIME_FORMAT,
    vendor_export,
    write_vendor_demo,
)
from demodata.vendor_story import END_RATE, HORIZON_DAYS, START_RATE, WINDOW_DAYS
from features.flat import lead_times
from features.flat_read import read_flat
from features.roles import infer_mapping, parse_labels, tokens
from training.flat_data import read_truth

N_LEADS, SEED, AS_OF = 5000, 7, "2026-10-01"
FILES = ("export.csv", "truth.csv", "README.md")
LEAK_BAND = (0.65, 0.89)  # each planted leak's single-column AUC
HONEST_CAP = 0.72  # no honest column reaches this
DOMINANCE_MARGIN = 0.15  # the dominating leak over the best honest column
COMBINED_CAP = 0.99  # the leaks together still do not separate the label
FOLDS, BINS, SMOOTHING = 5, 20, 10.0
SE_TOLERANCE = 4  # standard errors: fails by chance about 1 in 15,000
MONTH_RATE_TOLERANCE = 0.03  # mean p_true of the first / last 30 days vs the story's rates
MIN_DRIFT = 0.10  # newest quarter's realised rate over the oldest quarter's
MIN_UNDERPREDICTION = 0.04  # a model without time under-predicts the newest quarter this much
LEAK_WORDS = {"status", "stage", "last", "latest", "current", "grade", "rating", "score",
              "disposition", "outcome", "won", "lost", "qualified", "converted"}
ID_PATTERN = re.compile(r"00Q[0-9A-Za-z]{12}")


def value_keys(values: pd.Series) -> np.ndarray:
    """Numbers with many values as quantile bins, other values as they are, blanks as a value."""
    text = values.astype("str").where(values.notna())
    numbers = pd.to_numeric(text.str.replace(r"[$,]", "", regex=True), errors="coerce")
    if numbers.notna().sum() == text.notna().sum() and numbers.nunique() > BINS:
        bins = pd.qcut(numbers, BINS, labels=False, duplicates="drop")  # ties share a bin
        return bins.astype("str").where(bins.notna(), "<blank>").to_numpy()
    return text.fillna("<blank>").to_numpy()


def single_auc(values: pd.Series, y: np.ndarray) -> float:
    """ROC AUC of one column alone: each value (or bin) encoded by its out-of-fold (smoothed)
    conversion rate."""
    key = value_keys(values)
    fold = np.random.default_rng(0).integers(0, FOLDS, len(key))
    encoded, prior = np.empty(len(key)), y.mean()
    for f in range(FOLDS):
        train = fold != f
        stats = pd.Series(y[train]).groupby(key[train]).agg(["sum", "count"])
        rate = (stats["sum"] + SMOOTHING * prior) / (stats["count"] + SMOOTHING)
        encoded[~train] = pd.Series(key[~train]).map(rate).fillna(prior).to_numpy()
    return float(roc_auc_score(y, encoded))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("vendor")
    export, truth = write_vendor_demo(folder, n_leads=N_LEADS, seed=SEED, as_of=AS_OF)
    return folder, export, truth


@pytest.fixture(scope="module")
def export(written) -> pd.DataFrame:
    return read_flat(written[0] / "export.csv").frame


@pytest.fixture(scope="module")
def y(export) -> np.ndarray:
    return export[TARGET].eq("true").to_numpy(dtype=int)


@pytest.fixture(scope="module")
def aucs(export, y) -> pd.Series:
    columns = [c for c in export.columns if c not in (ID_COLUMN, TIME_COLUMN, TARGET)]
    return pd.Series({c: single_auc(export[c], y) for c in columns})


@pytest.fixture(scope="module")
def when(export) -> pd.Series:
    return pd.to_datetime(export[TIME_COLUMN], format=TIME_FORMAT)


# --- determinism --------------------------------------------------------------------------------
def test_same_seed_writes_byte_identical_files(written, tmp_path):
    write_vendor_demo(tmp_path, n_leads=N_LEADS, seed=SEED, as_of=AS_OF)
    for name in FILES:
        assert (written[0] / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_another_seed_gives_other_leads(written):
    other, truth = vendor_export(N_LEADS, SEED + 1, AS_OF)
    assert not np.allclose(truth["p_true"], written[2]["p_true"])
    assert not other[TARGET].equals(written[1][TARGET])


def test_too_few_leads_are_refused():
    with pytest.raises(ValueError, match="at least"):
        vendor_export(n_leads=10)


# --- truth and drift ----------------------------------------------------------------------------
def test_mean_p_true_is_the_observed_rate_within_sampling_error(written, y):
    p = written[2]["p_true"].to_numpy()
    assert ((p > 0) & (p < 1)).all()
    se = np.sqrt(np.sum(p * (1 - p))) / len(p)
    assert abs(y.mean() - p.mean()) < SE_TOLERANCE * se


def test_truth_is_calibrated_in_each_half_of_the_window(written, y, when):
    p = written[2]["p_true"].to_numpy()
    for half in (when < when.median()).to_numpy(), (when >= when.median()).to_numpy():
        se = np.sqrt(np.sum(p[half] * (1 - p[half]))) / half.sum()
        assert abs(y[half].mean() - p[half].mean()) < SE_TOLERANCE * se


def test_conversion_rate_drifts_from_the_oldest_to_the_newest_months(written, y, when):
    p = written[2]["p_true"].to_numpy()
    assert (when.max() - when.min()).days >= WINDOW_DAYS - 1
    first = (when < when.min() + pd.Timedelta(days=30)).to_numpy()
    last = (when > when.max() - pd.Timedelta(days=30)).to_numpy()
    assert p[first].mean() == pytest.approx(START_RATE, abs=MONTH_RATE_TOLERANCE)
    assert p[last].mean() == pytest.approx(END_RATE, abs=MONTH_RATE_TOLERANCE)
    oldest = (when < when.min() + pd.Timedelta(days=91)).to_numpy()
    newest = (when > when.max() - pd.Timedelta(days=91)).to_numpy()
    assert y[newest].mean() > y[oldest].mean() + MIN_DRIFT


def test_the_lead_source_mix_shifts_towards_paid_social(export, when):
    oldest = (when < when.min() + pd.Timedelta(days=91)).to_numpy()
    newest = (when > when.max() - pd.Timedelta(days=91)).to_numpy()
    social = export["lead_source"].eq("Paid Social").to_numpy()
    assert social[newest].mean() > 2 * social[oldest].mean()


def test_honest_columns_cannot_explain_the_drift(export, y, when):
    # A model of the honest columns without time, fitted on all leads, under-predicts the
    # newest quarter: the drift is in the intercept, not in the columns.
    honest = export.drop(columns=[ID_COLUMN, TIME_COLUMN, TARGET, *PLANTED_LEAKS])
    x = pd.get_dummies(pd.DataFrame({c: value_keys(honest[c]) for c in honest.columns}))
    model = LogisticRegression(C=0.1, max_iter=500).fit(x, y)
    newest = (when > when.max() - pd.Timedelta(days=91)).to_numpy()
    predicted = model.predict_proba(x[newest])[:, 1].mean()
    assert y[newest].mean() - predicted > MIN_UNDERPREDICTION


def test_only_leads_whose_horizon_is_over_are_written(when):
    assert when.max() <= pd.Timestamp(AS_OF) - pd.Timedelta(days=HORIZON_DAYS)
    assert when.min() >= pd.Timestamp(AS_OF) - pd.Timedelta(days=HORIZON_DAYS + WINDOW_DAYS)


# --- leaks and lookalikes -----------------------------------------------------------------------
def test_every_leak_kind_is_planted():
    assert set(PLANTED_LEAKS.values()) == set(LEAK_KINDS)
    assert not set(PLANTED_LEAKS) & set(HONEST_LOOKALIKES)


@pytest.mark.parametrize("column", list(PLANTED_LEAKS))
def test_each_planted_leak_has_a_single_column_auc_in_the_band(aucs, column):
    low, high = LEAK_BAND
    assert low <= aucs[column] <= high, (column, aucs[column])


def test_honest_columns_stay_below_the_cap(aucs):
    honest = aucs.drop(list(PLANTED_LEAKS))
    assert (honest < HONEST_CAP).all(), honest[honest >= HONEST_CAP]
    assert honest.max() > 0.6  # yet the honest signal is there


def test_the_dominating_leak_stands_far_above_every_honest_column(aucs):
    dominating = [c for c, k in PLANTED_LEAKS.items() if k == DOMINATES]
    assert dominating
    honest_best = aucs.drop(list(PLANTED_LEAKS)).max()
    for column in dominating:
        assert aucs[column] >= honest_best + DOMINANCE_MARGIN
        assert aucs[column] == aucs.max()
        assert not set(tokens(column)) & LEAK_WORDS


def test_assigned_by_sales_columns_are_filled_far_more_for_converted_leads(export, y):
    for column in [c for c, k in PLANTED_LEAKS.items() if k == "assigned_by_sales"]:
        filled = export[column].notna().to_numpy()
        assert filled[y == 1].mean() > 2 * filled[y == 0].mean(), column


def test_lookalikes_missingness_does_not_depend_on_the_outcome(export, y):
    for column in ("credit_rating_c", "annual_revenue"):
        blank = export[column].isna().to_numpy()
        share = blank.mean()
        se = np.sqrt(share * (1 - share) * (1 / (y == 1).sum() + 1 / (y == 0).sum()))
        assert share > 0.35
        assert abs(blank[y == 1].mean() - blank[y == 0].mean()) < SE_TOLERANCE * se, column


def test_leaks_together_do_not_separate_the_label(export, y):
    # naive Bayes on the leaks' encoded rates: strong, not perfect
    log_odds = np.zeros(len(y))
    for column in PLANTED_LEAKS:
        rate = pd.Series(y).groupby(value_keys(export[column])).transform("mean").clip(0.01, 0.99)
        log_odds += np.log(rate / (1 - rate)).to_numpy()
    assert 0.9 < roc_auc_score(y, log_odds) < COMBINED_CAP


# --- layout and the product's reader ------------------------------------------------------------
def test_layout_is_another_vendors(export):
    assert export[ID_COLUMN].str.fullmatch(ID_PATTERN).all() and export[ID_COLUMN].is_unique
    assert export[TIME_COLUMN].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert set(export[TARGET]) == {"true", "false"}
    assert set(export["has_opted_out_of_email"]) == {"0", "1"}
    assert export["annual_revenue"].dropna().str.fullmatch(r"\$[\d,]+\.\d{2}").all()
    assert all(c == c.lower() and " " not in c for c in export.columns)


def test_export_reads_through_the_flat_reader_with_label_id_and_time(written, export, y):
    mapping = infer_mapping(export, TARGET)
    assert mapping.target == TARGET and mapping.roles[TARGET] == "label"
    assert mapping.time_column == TIME_COLUMN and mapping.id_column == ID_COLUMN
    assert lead_times(export, mapping).notna().all()
    assert (parse_labels(export[TARGET]).to_numpy() == y).all()
    features = set(mapping.features)
    assert set(PLANTED_LEAKS) | set(HONEST_LOOKALIKES) <= features
    truth = read_truth(written[0] / "export.csv", mapping)
    assert truth is not None and truth.index.equals(pd.Index(export[ID_COLUMN]))


def test_readme_names_each_leak_with_its_kind_and_each_lookalike(written):
    text = (written[0] / "README.md").read_text(encoding="utf-8")
    for column, kind in PLANTED_LEAKS.items():
        assert f"| `{column}` | {kind} |" in text
    for column in HONEST_LOOKALIKES:
        assert f"`{column}`" in text.split("## Honest columns that look suspicious")[1]
    assert f"| leads written | {N_LEADS:,} |" in text and f"| seed | {SEED} |" in text
    assert "$" not in text.replace("$1,250,000.00", "")  # every placeholder was filled


def test_cli_writes_the_vendor_style_and_refuses_it_without_flat(tmp_path, capsys):
    out = tmp_path / "vendor"
    args = ["--out", str(out), "--leads", "500", "--seed", "3", "--style", "vendor"]
    assert run("demo-data", [*args, "--flat"]) == 0
    assert "is_converted" in capsys.readouterr().out
    assert {p.name for p in out.iterdir()} == set(FILES)
    assert run("demo-data", args) != 0
    assert "--flat" in capsys.readouterr().err
