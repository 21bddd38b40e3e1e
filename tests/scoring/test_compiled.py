"""The taken-apart model scores exactly like the calibrated pipeline; reasons are right for it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import CATEGORICAL, NUMERIC, feature_matrix
from scoring.compiled import CompiledModel, reference_lead
from scoring.sklearn_parts import calibrated_with, fit_calibrator
from training.calibrate import EPS
from training.config import TrainConfig
from training.fit import hgb_pipeline, logreg_pipeline
from training.split import make_split


@pytest.fixture(scope="module")
def data(demo_xy):
    x, y, labelled = demo_xy
    return x, y, make_split(labelled, 0.3, 0.2, seed=0)


def fitted(data, kind: str, method: str) -> tuple[CompiledModel, object, pd.DataFrame]:
    x, y, split = data
    cfg = TrainConfig()
    pipe = (logreg_pipeline(list(NUMERIC), list(CATEGORICAL), 0.1, cfg) if kind == "logreg"
            else hgb_pipeline(list(NUMERIC), list(CATEGORICAL), dict(cfg.hgb_params[0]), cfg))
    pipe.fit(x.loc[split.train], y.loc[split.train])
    x_valid, y_valid = x.loc[split.valid], y.loc[split.valid].to_numpy()
    calibrator = fit_calibrator(method, pipe.decision_function(x_valid), y_valid, EPS)
    model = calibrated_with(pipe, calibrator, method, x_valid, y_valid)
    reference = feature_matrix(pd.DataFrame(
        [reference_lead(x.loc[split.train], list(NUMERIC), list(CATEGORICAL))]))
    return CompiledModel.from_calibrated(model, reference), model, x.loc[split.test]


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))


@pytest.mark.parametrize(("kind", "method"), [("logreg", "sigmoid"), ("logreg", "isotonic"),
                                              ("hgb", "sigmoid")])
def test_compiled_model_gives_the_calibrated_probabilities(data, kind, method):
    compiled, model, x_test = fitted(data, kind, method)
    np.testing.assert_allclose(compiled.predict(x_test), model.predict_proba(x_test)[:, 1],
                               atol=1e-12)
    assert len(compiled.groups) == x_test.shape[1]
    assert sorted(np.concatenate(compiled.groups)) == list(range(len(compiled.reference)))


def test_logistic_reasons_add_up_exactly_to_the_gap_from_the_reference(data):
    compiled, _, x_test = fitted(data, "logreg", "sigmoid")
    assert compiled.exact
    z = compiled.encode_frame(x_test.head(200))
    contributions = compiled.contributions(z)
    gap = logit(compiled.proba_from_encoded(z)) - logit(
        compiled.proba_from_encoded(compiled.reference[None, :]))
    np.testing.assert_allclose(contributions.sum(axis=1), gap, atol=1e-9)


@pytest.mark.parametrize(("kind", "method"), [("logreg", "sigmoid"), ("hgb", "sigmoid")])
def test_each_reason_is_the_effect_of_setting_that_feature_to_the_reference(data, kind, method):
    x, _, split = data
    compiled, model, x_test = fitted(data, kind, method)
    raw_reference = reference_lead(x.loc[split.train], list(NUMERIC), list(CATEGORICAL))
    lead = x_test.iloc[[3]]
    contributions = compiled.contributions(compiled.encode_frame(lead))[0]
    base = logit(model.predict_proba(lead)[:, 1])[0]
    for j, name in enumerate(x_test.columns):
        changed = lead.copy()
        changed[name] = raw_reference[name] if raw_reference[name] is not None else np.nan
        expected = base - logit(model.predict_proba(feature_matrix(changed))[:, 1])[0]
        assert contributions[j] == pytest.approx(expected, abs=1e-9), name


def test_tree_model_scores_unknown_categories_and_missing_values_like_the_pipeline(data):
    compiled, model, x_test = fitted(data, "hgb", "sigmoid")
    assert compiled.forest is not None and compiled.tables is not None
    rng = np.random.default_rng(3)
    odd = x_test.copy()
    for name in CATEGORICAL:
        pick = rng.random(len(odd))
        odd.loc[pick < 0.15, name] = "never_seen_before"
        odd.loc[(pick >= 0.15) & (pick < 0.3), name] = np.nan
    for name in NUMERIC[:20]:
        odd.loc[rng.random(len(odd)) < 0.2, name] = np.nan
    odd = feature_matrix(odd)
    big = pd.concat([odd] * 3, ignore_index=True)  # more leads than one tree-walk chunk
    np.testing.assert_allclose(compiled.predict(big), model.predict_proba(big)[:, 1], atol=1e-12)
    columns = {name: odd[name].to_numpy() for name in odd.columns}
    np.testing.assert_array_equal(compiled.encode_frame(columns), compiled.encode_frame(odd))


def test_tree_reasons_equal_rescoring_the_whole_model_with_one_feature_changed(data):
    x, _, split = data
    compiled, model, x_test = fitted(data, "hgb", "isotonic")
    leads = x_test.head(40)
    raw_reference = reference_lead(x.loc[split.train], list(NUMERIC), list(CATEGORICAL))
    contributions = compiled.contributions(compiled.encode_frame(leads))
    base = logit(np.clip(model.predict_proba(leads)[:, 1], 1e-6, 1 - 1e-6))
    for j, name in enumerate(leads.columns):
        changed = leads.copy()
        changed[name] = raw_reference[name] if raw_reference[name] is not None else np.nan
        rescored = model.predict_proba(feature_matrix(changed))[:, 1]
        expected = base - logit(np.clip(rescored, 1e-6, 1 - 1e-6))
        np.testing.assert_allclose(contributions[:, j], expected, atol=1e-9, err_msg=name)


def test_scorer_with_a_tree_model_equals_the_pipeline_on_build_features(data, demo_crm):
    from features.build import build_features, feature_catalog
    from features.rules import load_rules
    from scoring.card import ModelCard
    from scoring.event import Scorer

    x, _, split = data
    _, model, _ = fitted(data, "hgb", "sigmoid")
    card = ModelCard(version="t", reference=reference_lead(x.loc[split.train], list(NUMERIC),
                                                           list(CATEGORICAL)),
                     features=feature_catalog().to_dict(orient="records"))
    scorer = Scorer(model, card, load_rules())
    leads = demo_crm.leads.iloc[::25]
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    at = demo_crm.as_of
    scores = scorer.score(leads, acts, at)
    expected = model.predict_proba(feature_matrix(build_features(leads, acts, at)))[:, 1]
    np.testing.assert_allclose(scores["probability"].to_numpy(), expected, atol=1e-12)
    assert scores["reasons_up"].map(len).sum() > 0 and scores["reasons_down"].map(len).sum() > 0
    first = scores["reasons_up"].iloc[int(np.argmax(scores["reasons_up"].map(len)))][0]
    assert first["contribution"] > 0 and first["label"] != first["feature"]
    # Activities of leads not being scored are refused, never silently ignored
    with pytest.raises(ValueError, match=r"lead_id\(s\) not in leads"):
        scorer.score(leads, demo_crm.activities, at)


@pytest.mark.parametrize(("kind", "method"), [("logreg", "sigmoid"), ("hgb", "sigmoid")])
def test_explain_gives_the_same_probabilities_and_reasons_as_separate_calls(data, kind, method):
    compiled, _, x_test = fitted(data, kind, method)
    z = compiled.encode_frame(x_test.head(700))  # more than one tree-walk chunk
    p, contributions = compiled.explain(z)
    np.testing.assert_allclose(p, compiled.proba_from_encoded(z), atol=1e-12)
    np.testing.assert_allclose(contributions, compiled.contributions(z), atol=1e-12)


def test_scorer_serves_an_event_model_that_dropped_features_for_leakage(data, demo_crm):
    from features.build import build_features, feature_catalog
    from features.rules import load_rules
    from scoring.card import ModelCard
    from scoring.event import Scorer

    x, y, split = data
    dropped = {"industry", "n_email_open_30d"}
    numeric = [n for n in NUMERIC if n not in dropped]
    categorical = [n for n in CATEGORICAL if n not in dropped]
    kept = [n for n in x.columns if n not in dropped]
    cfg = TrainConfig()
    pipe = hgb_pipeline(numeric, categorical, dict(cfg.hgb_params[0]), cfg)
    pipe.fit(x.loc[split.train, kept], y.loc[split.train])
    x_valid, y_valid = x.loc[split.valid, kept], y.loc[split.valid].to_numpy()
    model = calibrated_with(pipe, fit_calibrator("sigmoid", pipe.decision_function(x_valid),
                                                 y_valid, EPS), "sigmoid", x_valid, y_valid)
    card = ModelCard(version="d", reference=reference_lead(x.loc[split.train, kept], numeric,
                                                           categorical),
                     features=[f for f in feature_catalog().to_dict(orient="records")
                               if f["name"] not in dropped])
    scorer = Scorer(model, card, load_rules())
    leads = demo_crm.leads.iloc[::40]
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    scores = scorer.score(leads, acts, demo_crm.as_of)
    expected = model.predict_proba(
        feature_matrix(build_features(leads, acts, demo_crm.as_of), kept))[:, 1]
    np.testing.assert_allclose(scores["probability"].to_numpy(), expected, atol=1e-12)
    named = {r["feature"] for rs in scores["reasons_up"] for r in rs}
    assert named and not named & dropped
