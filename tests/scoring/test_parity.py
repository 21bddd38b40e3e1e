"""The fast scoring path proves itself at load: a model whose fast path disagrees with
scikit-learn's own predict_proba on the card's reference and check rows is refused."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import scoring.compiled
import scoring.event
import scoring.flat
import scoring.forest
from features.build import CATEGORICAL, NUMERIC, feature_catalog, feature_matrix
from features.roles import Mapping
from features.rules import load_rules
from scoring.bundle import StoreError, export_bundle
from scoring.card import ModelCard
from scoring.compiled import CompiledModel, reference_lead
from scoring.event import Scorer
from scoring.flat import FlatScorer
from scoring.parity import (
    TOLERANCE,
    ParityError,
    card_rows,
    check_parity,
    check_positions,
    check_rows,
    installed_sklearn_version,
    warn_on_version,
)
from tests.scoring.test_compiled import fitted
from training.split import make_split


@pytest.fixture(scope="module")
def data(demo_xy):
    x, y, labelled = demo_xy
    return x, y, make_split(labelled, 0.3, 0.2, seed=0)


@pytest.fixture(scope="module")
def hgb(data):
    return fitted(data, "hgb", "sigmoid")[1]


@pytest.fixture(scope="module")
def logreg(data):
    return fitted(data, "logreg", "sigmoid")[1]


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def x_train(data) -> pd.DataFrame:
    x, _, split = data
    return x.loc[split.train]


def event_card(data, checks: bool = True, **changes) -> ModelCard:
    """The card training would write: reference lead, check rows, scikit-learn version."""
    x = x_train(data)
    card = ModelCard(version="7",
                     reference=reference_lead(x, list(NUMERIC), list(CATEGORICAL)),
                     checks=check_rows(x) if checks else [],
                     features=feature_catalog().to_dict(orient="records"),
                     sklearn_version=installed_sklearn_version())
    return card.replace(**changes)


def flat_card(data) -> ModelCard:
    """The same model seen as a flat-export model: its inputs are the flat export's columns."""
    card = event_card(data)
    roles = {n: "categorical" if n in CATEGORICAL else "numeric" for n in x_train(data).columns}
    return card.replace(shape="flat", mapping=Mapping(roles).to_dict(),
                        feature_names=list(roles))


def shifted(fn, by: float):
    """``fn`` returning ``by`` more: a scikit-learn internal whose meaning changed."""
    return lambda *args: fn(*args) + by


def spy_on(monkeypatch, module) -> list[tuple[int, float]]:
    """Record (rows checked, largest difference) of every parity check ``module`` runs."""
    calls: list[tuple[int, float]] = []

    def spy(model, compiled, rows, *args, **kwargs):
        gap = check_parity(model, compiled, rows, *args, **kwargs)
        calls.append((len(rows), gap))
        return gap

    monkeypatch.setattr(module, "check_parity", spy)
    return calls


# --- (b) a healthy model passes ---------------------------------------------------------------

@pytest.mark.parametrize("kind", ["hgb", "logreg"])
def test_a_healthy_model_passes_on_the_reference_and_check_rows(data, kind, request, rules,
                                                                monkeypatch):
    model = request.getfixturevalue(kind)
    card = event_card(data)
    assert len(card.checks) == 5
    calls = spy_on(monkeypatch, scoring.event)
    scorer = Scorer(model, card, rules)
    assert scorer.compiled is not None
    assert len(calls) == 1
    n_rows, gap = calls[0]
    assert n_rows == 1 + len(card.checks)
    assert 0.0 <= gap <= TOLERANCE
    rows = feature_matrix(card_rows(card, scorer.names), scorer.names)
    assert list(rows.index) == ["reference row", *(f"check row {i}" for i in range(1, 6))]
    assert check_parity(model, scorer.compiled, rows) <= TOLERANCE


def test_a_healthy_flat_model_passes_too(data, hgb, rules, monkeypatch):
    calls = spy_on(monkeypatch, scoring.flat)
    scorer = FlatScorer(hgb, flat_card(data), rules)
    assert scorer.compiled is not None
    assert len(calls) == 1 and calls[0][0] == 6 and calls[0][1] <= TOLERANCE


# --- (a) a fast path that disagrees is refused ------------------------------------------------

def test_a_tree_model_whose_internals_changed_meaning_is_refused_at_load(data, hgb, rules,
                                                                          monkeypatch):
    monkeypatch.setattr(scoring.forest, "baseline_prediction",
                        shifted(scoring.forest.baseline_prediction, 1e-6))
    with pytest.raises(ParityError) as refused:
        Scorer(hgb, event_card(data), rules)
    message = str(refused.value)
    assert message.startswith("model 7 refused: on its card's ")
    assert f"scikit-learn {installed_sklearn_version()} gives" in message
    gap = float(message.split("(difference ")[1].split(",")[0])
    assert 1e-9 < gap < 1e-5
    assert "retrain it" in message
    assert isinstance(refused.value, StoreError)


def test_a_logistic_model_with_a_changed_calibrator_is_refused(data, logreg, rules,
                                                                monkeypatch):
    monkeypatch.setattr(scoring.compiled, "sigmoid_ab",
                        lambda c: (float(c.a_) * 1.001, float(c.b_)))
    with pytest.raises(ParityError, match=r"model 7 refused: .*\(difference \d"):
        Scorer(logreg, event_card(data), rules)


def test_a_flat_model_whose_fast_path_disagrees_is_refused(data, hgb, rules, monkeypatch):
    monkeypatch.setattr(scoring.forest, "baseline_prediction",
                        shifted(scoring.forest.baseline_prediction, 1e-6))
    with pytest.raises(ParityError, match="model 7 refused"):
        FlatScorer(hgb, flat_card(data), rules)


def test_the_message_says_which_scikit_learn_fitted_the_model_and_what_to_do(data, hgb, rules,
                                                                            monkeypatch):
    monkeypatch.setattr(scoring.forest, "baseline_prediction",
                        shifted(scoring.forest.baseline_prediction, 1e-6))
    with pytest.raises(ParityError) as refused:
        Scorer(hgb, event_card(data, sklearn_version="1.8.0"), rules)
    assert (f"the fast scoring path disagrees with scikit-learn {installed_sklearn_version()} "
            f"(model fitted with 1.8.0): retrain the model with this scikit-learn, or install "
            f"scikit-learn==1.8.0") in str(refused.value)
    with pytest.raises(ParityError, match="does not record which scikit-learn"):
        Scorer(hgb, event_card(data, sklearn_version=None), rules)


def test_check_rows_catch_what_the_reference_row_alone_misses(data, hgb, rules):
    card = event_card(data)
    reference = feature_matrix(pd.DataFrame([card.reference]))
    assert not reference.isna().any().any()  # so missing-value routing is not tried by it
    good = CompiledModel.from_calibrated(hgb, reference)
    assert good.forest is not None
    # Missing values sent the wrong way at every split: only rows with missing values see it.
    wrong = dataclasses.replace(good, forest=dataclasses.replace(
        good.forest, missing_left=~good.forest.missing_left))
    Scorer(hgb, card.replace(checks=[]), rules, compiled=wrong)  # the reference row alone passes
    assert card.checks[0] == check_rows(x_train(data), 1)[0]  # the row with most missing values
    with pytest.raises(ParityError, match="on its card's check row 1 the fast scoring path"):
        Scorer(hgb, card.replace(checks=card.checks[:1]), rules, compiled=wrong)
    with pytest.raises(ParityError, match=r"on its card's check row \d the fast scoring path"):
        Scorer(hgb, card, rules, compiled=wrong)  # the message names the worst row


def test_a_model_whose_parts_cannot_be_read_is_refused(data, hgb, rules, monkeypatch):
    def renamed(model):
        raise AttributeError("'HistGradientBoostingClassifier' object has no attribute "
                             "'_predictors'")

    monkeypatch.setattr(scoring.forest, "tree_nodes", renamed)
    with pytest.raises(ParityError, match="fast scoring path cannot be built with scikit-learn "
                                          ".*_predictors"):
        Scorer(hgb, event_card(data), rules)


def test_leadconv_score_refuses_the_model_in_one_line(data, hgb, demo_dir, tmp_path, capsys,
                                                      monkeypatch):
    from cli.main import main

    export_bundle(hgb, event_card(data), tmp_path / "models" / "champion")
    monkeypatch.setattr(scoring.forest, "baseline_prediction",
                        shifted(scoring.forest.baseline_prediction, 1e-6))
    code = main(["score", "--data", str(demo_dir), "--out", str(tmp_path / "scores.csv"),
                 "--models-dir", str(tmp_path / "models")])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("leadconv: error:")]
    assert len(lines) == 1 and "model 7 refused" in lines[0] and "difference" in lines[0]
    assert not (tmp_path / "scores.csv").exists()


def test_another_scikit_learn_in_the_card_is_logged_as_a_warning(data, caplog):
    with caplog.at_level("WARNING", logger="scoring.parity"):
        assert warn_on_version(event_card(data, sklearn_version="1.8.0"))
        assert not warn_on_version(event_card(data))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "scikit-learn 1.8.0" in warnings[0]


def test_a_card_whose_check_row_lacks_a_model_input_is_refused(data, hgb, rules):
    card = event_card(data)
    broken = {k: v for k, v in card.checks[0].items() if k != "industry"}
    with pytest.raises(StoreError, match="check row 1 lacks the model input"):
        Scorer(hgb, card.replace(checks=[broken]), rules)


# --- (c) check rows: chosen deterministically, JSON-safe, scored the same after a round trip --

def test_check_rows_include_missing_values_and_a_rare_category_and_are_deterministic(data):
    x = x_train(data)
    positions = check_positions(x)
    assert len(positions) == len(set(positions)) == 5
    assert positions == check_positions(x) and check_rows(x) == check_rows(x)
    assert check_positions(x, seed=1) != positions
    missing = x.isna().sum(axis=1).to_numpy()
    assert missing[positions[0]] == missing.max() > 0
    rarest = min(x[c].value_counts().min() for c in CATEGORICAL)
    held = [min(x[c].value_counts().get(x[c].iloc[i], np.inf) for c in CATEGORICAL)
            for i in positions]
    assert rarest in held
    assert sorted(check_positions(x.head(3), n=5)) == [0, 1, 2]  # fewer rows than asked
    assert check_positions(x, n=0) == [] and check_rows(x.head(0)) == []


@pytest.mark.parametrize("kind", ["hgb", "logreg"])
def test_check_rows_round_trip_through_the_card_json_and_score_identically(data, kind, request,
                                                                          rules):
    model = request.getfixturevalue(kind)
    x = x_train(data)
    rows = check_rows(x)
    assert any(v is None for row in rows for v in row.values())  # missing values became None
    text = json.dumps(event_card(data).to_dict(), allow_nan=False)  # JSON proper: no NaN
    card = ModelCard.from_dict(json.loads(text))
    assert card.checks == rows
    assert all(type(v) in (str, float, type(None)) for row in card.checks for v in row.values())
    original = x.iloc[check_positions(x)]
    back = feature_matrix(pd.DataFrame(card.checks))
    pd.testing.assert_frame_equal(back.reset_index(drop=True), original.reset_index(drop=True))
    np.testing.assert_array_equal(model.predict_proba(back)[:, 1],
                                  model.predict_proba(original)[:, 1])
    scorer = Scorer(model, card, rules)
    assert scorer.compiled is not None
    np.testing.assert_array_equal(scorer.compiled.predict(back),
                                  scorer.compiled.predict(original))
