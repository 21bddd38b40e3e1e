"""Fit and engagement: the model's own probability for who the lead is and for what it does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import CATEGORICAL, NUMERIC, build_features, feature_catalog, feature_matrix
from features.rules import load_rules
from scoring.card import ModelCard
from scoring.compiled import reference_lead
from scoring.event import Scorer
from scoring.families import crm_score, family_columns, part_probabilities
from tests.scoring.test_compiled import fitted, logit
from training.split import make_split

FAMILIES = dict(zip(feature_catalog()["name"], feature_catalog()["family"], strict=True))


@pytest.fixture(scope="module")
def data(demo_xy):
    x, y, labelled = demo_xy
    return x, y, make_split(labelled, 0.3, 0.2, seed=0)


@pytest.mark.parametrize("kind", ["logreg", "hgb"])
def test_fit_depends_only_on_who_the_lead_is_and_engagement_only_on_what_it_does(data, kind):
    compiled, _, x_test = fitted(data, kind, "sigmoid")
    columns = family_columns(compiled, FAMILIES)
    assert columns is not None
    x = x_test.head(300).reset_index(drop=True)
    behaviour = [n for n in x.columns if FAMILIES[n] == "behaviour"]
    swapped = x.copy()
    swapped[behaviour] = x[behaviour].iloc[::-1].to_numpy()  # same profiles, others' behaviour
    fit, engagement = part_probabilities(compiled, compiled.encode_frame(x), columns)
    fit2, engagement2 = part_probabilities(compiled, compiled.encode_frame(swapped), columns)
    np.testing.assert_allclose(fit2, fit, atol=1e-12)
    np.testing.assert_allclose(engagement2, engagement[::-1], atol=1e-12)
    assert np.std(fit) > 0 and np.std(engagement) > 0


def test_logistic_parts_add_up_exactly_to_the_score_in_log_odds(data):
    compiled, _, x_test = fitted(data, "logreg", "sigmoid")
    z = compiled.encode_frame(x_test.head(300))
    fit, engagement = part_probabilities(compiled, z, family_columns(compiled, FAMILIES))
    reference = compiled.proba_from_encoded(compiled.reference[None, :])
    np.testing.assert_allclose(logit(fit) + logit(engagement) - logit(reference),
                               logit(compiled.proba_from_encoded(z)), atol=1e-9)


def test_a_model_whose_inputs_have_no_family_has_no_parts(data):
    compiled, _, _ = fitted(data, "hgb", "sigmoid")
    assert family_columns(compiled, {n: "flat" for n in compiled.feature_names}) is None
    assert family_columns(compiled, {n: "behaviour" for n in compiled.feature_names}) is None


def test_crm_score_is_the_percent_rounded_and_never_zero():
    p = np.array([0.0, 0.004, 0.005, 0.0149, 0.5, 0.994, 0.996, 1.0])
    assert crm_score(p).tolist() == [1, 1, 1, 1, 50, 99, 100, 100]


def test_scorer_gives_grades_by_the_rules_and_parts_on_the_same_scale(data, demo_crm):
    x, _, split = data
    _, model, _ = fitted(data, "hgb", "sigmoid")
    card = ModelCard(version="t", reference=reference_lead(x.loc[split.train], list(NUMERIC),
                                                           list(CATEGORICAL)),
                     features=feature_catalog().to_dict(orient="records"))
    rules = load_rules()
    scorer = Scorer(model, card, rules)
    leads = demo_crm.leads.iloc[::20]
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(leads["lead_id"])]
    scores = scorer.score(leads, acts, demo_crm.as_of)
    p = scores["probability"].to_numpy()
    assert scores["score"].between(1, 100).all()
    assert (scores["grade"].to_numpy() == rules.grades.grade(p)).all()
    assert scores["grade"].nunique() >= 2
    # the parts are the model's own probabilities for the lead with one family at the reference
    table = build_features(leads, acts, demo_crm.as_of).reset_index(drop=True)
    behaviour = [n for n in table.columns if FAMILIES.get(n) == "behaviour"]
    at_reference = table.copy()
    for name in behaviour:
        at_reference[name] = card.reference[name]
    expected_fit = model.predict_proba(feature_matrix(at_reference))[:, 1]
    assert scores["fit"].to_numpy() == pytest.approx(crm_score(expected_fit), abs=1)
    assert (scores["fit_grade"].isin(["A", "B", "C", "D"])).all()
    assert pd.Series(scores["engagement"]).between(1, 100).all()
