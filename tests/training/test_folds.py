"""Time-ordered folds (rolling origin) for the model choice, and the weights of recent leads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.data import TooLittleData
from training.folds import selection_folds
from training.recency import decay_weights, effective_share, half_lives
from training.split import make_split

N = 2000


@pytest.fixture(scope="module")
def labelled():
    rng = np.random.default_rng(1)
    when = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 500, N)), unit="D")
    ids = pd.Index([f"L{i:05d}" for i in rng.permutation(N)], name="lead_id")
    return pd.DataFrame({"scored_at": when, "label": (rng.random(N) < 0.2).astype(int)},
                        index=ids)


def test_each_fold_fits_on_every_lead_before_its_block_and_the_newest_is_the_validation(
        labelled):
    split = make_split(labelled, 0.15, 0.2, seed=0)
    folds = selection_folds(split, labelled["label"], labelled["scored_at"], 3, 0)
    assert [f.number for f in folds] == [1, 2, 3]
    assert folds[-1].held.equals(split.valid)
    when = labelled["scored_at"]
    for fold in folds:
        assert len(fold.held) == len(split.valid)
        assert when.loc[fold.fit].max() <= when.loc[fold.held].min()  # out of time
        assert not set(fold.held) & set(split.test)
    assert folds[0].fit.size < folds[1].fit.size < folds[2].fit.size
    assert folds[1].fit.append(folds[1].held).equals(folds[2].fit)  # the origin rolls forward


def test_a_history_too_short_for_every_fold_gets_fewer(labelled):
    split = make_split(labelled, 0.25, 0.2, seed=0)  # train 55%: room for one earlier block
    folds = selection_folds(split, labelled["label"], labelled["scored_at"], 3, 0)
    assert len(folds) == 2 and folds[-1].held.equals(split.valid)


def test_a_block_without_enough_converted_leads_is_left_out_and_none_left_is_an_error(labelled):
    split = make_split(labelled, 0.15, 0.2, seed=0)
    y = labelled["label"].copy()
    y.loc[split.valid] = 0  # the newest block: no conversion at all
    folds = selection_folds(split, y, labelled["scored_at"], 3, 0)
    assert len(folds) == 2 and not set(folds[-1].held) & set(split.valid)
    y[:] = 0
    y.iloc[:3] = 1
    with pytest.raises(TooLittleData, match="too little labelled history to compare models"):
        selection_folds(split, y, labelled["scored_at"], 3, 0)


def test_without_times_the_folds_are_stratified(labelled):
    untimed = labelled.assign(scored_at=pd.NaT)
    split = make_split(untimed, 0.15, 0.2, seed=0)
    folds = selection_folds(split, labelled["label"], None, 3, 0)
    held = pd.Index([]).append([f.held for f in folds])
    assert sorted(held) == sorted(split.train.append(split.valid))  # each lead scored once
    rates = [labelled["label"].loc[f.held].mean() for f in folds]
    assert max(rates) - min(rates) < 0.02
    assert {f.span for f in folds} == {"random"}


def test_a_lead_one_half_life_older_weighs_half_and_the_weights_average_one():
    when = pd.Series(pd.to_datetime(["2026-01-01", "2026-03-02", "2026-05-01"], utc=True))
    w = decay_weights(when, 60.0)
    assert w is not None and w.mean() == pytest.approx(1.0)
    assert w[1] / w[2] == pytest.approx(0.5 ** (60 / 60))
    assert w[0] / w[2] == pytest.approx(0.5 ** (120 / 60))
    assert decay_weights(when, None) is None
    assert decay_weights(pd.Series([pd.NaT, when[0]]), 60.0) is None
    assert effective_share(w) < 1.0 == effective_share(None)


def test_half_lives_are_shares_of_the_history_span_in_whole_days():
    when = pd.Series(pd.to_datetime(["2025-01-01", "2026-01-01"], utc=True))
    assert half_lives(when, (0.5, 0.2)) == [182.0, 73.0]
    assert half_lives(when.iloc[:1], (0.5,)) == []


def test_a_recipe_with_a_half_life_follows_a_relation_that_reversed():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from training.fit import Recipe

    rng = np.random.default_rng(3)
    n = 6000
    when = pd.Series(pd.Timestamp("2024-01-01", tz="UTC")
                     + pd.to_timedelta(np.sort(rng.uniform(0, 730, n)), unit="D"))
    x = pd.DataFrame({"clicks": rng.normal(size=n)})
    sign = np.where(np.arange(n) < 0.6 * n, 1.0, -1.0)  # reverses after 60% of the history
    y = (rng.random(n) < 1 / (1 + np.exp(-(sign * x["clicks"] - 1.5)))).astype(int)
    plain = Recipe("lr", "logreg", {}, Pipeline([("model", LogisticRegression())]))
    coef = {r.name: r.fit(x, y, when)[-1].coef_[0][0] for r in (plain, plain.decayed(60))}
    assert coef["lr"] > 0  # most of the history says clicks help
    assert coef["lr_hl60d"] < -0.5  # the recent months say they hurt now
