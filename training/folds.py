"""Time-ordered folds for choosing a model (rolling origin): each fold fits on every lead before a
block of the history and scores that block.

One validation window can be odd (a campaign, a holiday month, a change of sales process); a
model chosen on it alone can fail on the next months. So the candidates are compared on
``selection_folds`` consecutive blocks of the history before the test period, newest last: the
newest block is the split's validation part, the others the equal-sized blocks before it. Fold
``k`` fits on every lead older than its block, so every score is out of time, as production is.

Without usable times the folds are stratified folds of the whole history (a random split; the
run warns about it already).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from training.data import TooLittleData
from training.split import Split

MIN_CLASS_HELD = 5  # each class, in a scored block: the recalibrated log loss uses 5 folds
MIN_CLASS_FIT = 10  # each class, in a fold's fit leads


@dataclass(frozen=True)
class Fold:
    """Lead ids a fold fits on and scores, and the scoring dates of its block."""

    number: int
    fit: pd.Index
    held: pd.Index
    span: str  # ``YYYY-MM-DD .. YYYY-MM-DD`` of the scored block, or ``random``


def _usable(y: pd.Series, fit: pd.Index, held: pd.Index) -> bool:
    held_y, fit_y = y.loc[held], y.loc[fit]
    return (min(int(held_y.sum()), int((held_y == 0).sum())) >= MIN_CLASS_HELD
            and min(int(fit_y.sum()), int((fit_y == 0).sum())) >= MIN_CLASS_FIT)


def _span(ids: pd.Index, scored_at: pd.Series | None) -> str:
    if scored_at is None or not len(ids):
        return "random"
    when = scored_at.reindex(ids)
    return f"{when.min().date()} .. {when.max().date()}"


def selection_folds(split: Split, y: pd.Series, scored_at: pd.Series | None, n_folds: int,
                    seed: int) -> list[Fold]:
    """The folds of the history before the test period (``split.train`` then ``split.valid``),
    oldest first. Out of time: up to ``n_folds`` blocks the size of ``split.valid``, ending with
    it; a block whose fit leads or scored leads hold too few of a class is left out. Random:
    ``n_folds`` stratified folds.

    Raises:
        TooLittleData: no fold has enough leads of each class.
    """
    history = split.train.append(split.valid)
    folds: list[Fold] = []
    if split.kind == "out_of_time":
        block = len(split.valid)
        for k in range(n_folds):
            end = len(history) - k * block
            start = end - block
            if start < block:  # a fit set smaller than the block it scores says little
                break
            fit, held = history[:start], history[start:end]
            if _usable(y, fit, held):
                folds.append(Fold(0, fit, held, _span(held, scored_at)))
        folds.reverse()
    else:
        splitter = StratifiedKFold(max(n_folds, 2), shuffle=True, random_state=seed)
        labels = y.loc[history].to_numpy()
        for fit_rows, held_rows in splitter.split(np.zeros(len(history)), labels):
            fit, held = history[fit_rows], history[held_rows]
            if _usable(y, fit, held):
                folds.append(Fold(0, fit, held, "random"))
    if not folds:
        raise TooLittleData(
            f"too little labelled history to compare models: no validation block of the "
            f"{len(history):,} leads before the test period holds {MIN_CLASS_HELD} converted and "
            f"{MIN_CLASS_HELD} unconverted leads with {MIN_CLASS_FIT} of each before it")
    return [Fold(i + 1, f.fit, f.held, f.span) for i, f in enumerate(folds)]


__all__ = ["Fold", "selection_folds"]
