"""Fit a chosen recipe on a whole history and calibrate it on its most recent window, without
ever calibrating on scores of a model that saw the leads.

The same procedure makes the evaluated model (history = every lead before the test period, then
measured on the test leads) and the published one (history = every labelled lead), so the test
metrics measure what ships:

1. order the history by scoring time (oldest first; a history without times keeps its order and
   uses stratified folds instead of time blocks);
2. the calibration window is the newest ``calibration_window`` share of it, cut into
   ``calibration_folds`` consecutive blocks. For each block a copy of the recipe is fitted on
   every lead *before* the block and scores the block (time-ordered cross-fitting): out-of-fold
   raw scores for the whole window, each from a model that never saw that lead nor its future;
3. the calibration method (sigmoid, or isotonic when the window is large enough) is chosen by
   cross-validated log loss on those scores and fitted on them;
4. the newest matured cohort (``training.prior_shift``) moves the calibrator's intercept when its
   conversion rate differs from the prediction beyond noise;
5. the recipe is fitted once more on the whole history; the calibrator sits on top of it.

A recipe with a half-life (``training.recency``) weights each fit's leads by their age at the
newest lead of that fit: the block models as the final one.

The block models and the final one are independent fits, run in parallel (``TrainConfig.n_jobs``).

The newest leads thus shape both the ranking (step 5) and the calibration (steps 2-4).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

from scoring.metrics import newest_month
from scoring.sklearn_parts import calibrated_with, fit_calibrator, shifted_calibrator
from training.calibrate import EPS, allowed_methods, cross_validated_log_loss
from training.config import TrainConfig
from training.data import Progress, TooLittleData
from training.fit import Recipe
from training.prior_shift import PriorShift, prior_shift

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rows:
    """Which leads a fit used: ``fit`` (the whole history, oldest first) and ``calibration``
    (the window whose out-of-fold scores fitted the calibrator)."""

    fit: pd.Index
    calibration: pd.Index
    folds: int
    by_time: bool

    def describe(self, prefix: str, scored_at: pd.Series | None) -> dict[str, Any]:
        """``<prefix>_fit_rows``, ``<prefix>_fit_span``, ``<prefix>_calibration_rows``, ... for
        the metrics (spans as ``first .. last`` scoring dates, or ``random``)."""
        out: dict[str, Any] = {f"{prefix}_fit_rows": len(self.fit),
                               f"{prefix}_calibration_rows": len(self.calibration),
                               f"{prefix}_calibration_folds": self.folds}
        for part, ids in (("fit", self.fit), ("calibration", self.calibration)):
            out[f"{prefix}_{part}_span"] = span(ids, scored_at) if self.by_time else "random"
        return out


def span(ids: pd.Index, scored_at: pd.Series | None) -> str:
    """``YYYY-MM-DD .. YYYY-MM-DD``: the first and last scoring moment of ``ids``."""
    if scored_at is None or not len(ids):
        return ""
    when = scored_at.reindex(ids)
    return f"{when.min().date()} .. {when.max().date()}"


@dataclass
class RecentFit:
    """The calibrated model of one history and how it was made."""

    model: Any
    method: str
    cv_log_loss: dict[str, float]
    rows: Rows
    shift: PriorShift | None
    note: str | None = None


def time_order(ids: pd.Index, scored_at: pd.Series) -> pd.Index:
    """``ids`` oldest first (ties by id, as the out-of-time split orders them)."""
    order = pd.DataFrame({"t": scored_at.reindex(ids).to_numpy(), "id": ids}).sort_values(
        ["t", "id"], kind="stable")
    return pd.Index(order["id"].to_numpy(), name=ids.name)


def blocks(ids: pd.Index, y: pd.Series, by_time: bool, cfg: TrainConfig
           ) -> tuple[pd.Index, list[tuple[pd.Index, pd.Index]]]:
    """The calibration window and its (fit on, score) pairs of lead ids."""
    folds = cfg.calibration_folds
    if not by_time:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=cfg.seed)
        pairs = [(ids[fit], ids[held]) for fit, held in splitter.split(ids, y.loc[ids])]
        return ids, pairs
    n = len(ids)
    start = n - max(int(round(n * cfg.calibration_window)), folds)
    edges = np.linspace(start, n, folds + 1).round().astype(int)
    pairs = [(ids[:a], ids[a:b]) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return ids[start:], pairs


def as_recipe(recipe: Recipe | Any) -> Recipe:
    """A ``training.fit.Recipe`` as given, or one for a plain scikit-learn pipeline."""
    if isinstance(recipe, Recipe):
        return recipe
    return Recipe(type(recipe).__name__, "custom", {}, recipe)


def _fit(recipe: Recipe, x: pd.DataFrame, y: pd.Series, when: pd.Series | None,
         ids: pd.Index) -> Any:
    labels = y.loc[ids]
    if labels.nunique() < 2:
        raise TooLittleData(f"cannot fit on the {len(ids):,} leads up to a calibration block: "
                            f"they hold one class only; lower calibration_window or "
                            f"calibration_folds, or bring more history")
    return recipe.fit(x.loc[ids], labels.to_numpy(), None if when is None else when.loc[ids])


def fit_recent(recipe: Recipe | Any, x: pd.DataFrame, y: pd.Series, scored_at: pd.Series | None,
               by_time: bool, cfg: TrainConfig, progress: Progress | None = None) -> RecentFit:
    """The module's procedure on the history ``x``/``y`` (indexed by lead id).

    Args:
        recipe: the chosen ``training.fit.Recipe`` (its pipeline is cloned for each fit; its
            half-life, if any, weights recent leads more), or a plain scikit-learn pipeline.
        x, y: model inputs and labels of the history.
        scored_at: each lead's scoring moment (for the time order and the prior shift).
        by_time: order by ``scored_at`` and calibrate on the newest window; False: stratified
            cross-fitting over the whole history, no prior shift.
        cfg: ``calibration_window``, ``calibration_folds``, calibration methods and the isotonic
            minimums, ``prior_shift_z`` and ``prior_shift_min_leads``.
    """
    recipe = as_recipe(recipe)
    ids = time_order(x.index, scored_at) if by_time and scored_at is not None else x.index
    window, pairs = blocks(ids, y, by_time, cfg)
    when = scored_at if by_time else None
    # the block models and the final model are independent fits: in parallel (joblib)
    fitted = Parallel(n_jobs=cfg.n_jobs)(
        delayed(_fit)(recipe, x, y, when, fit_ids) for fit_ids in [*(f for f, _ in pairs), ids])
    raw = pd.Series(np.nan, index=window)
    for model, (_, held) in zip(fitted, pairs, strict=False):
        raw.loc[held] = model.decision_function(x.loc[held])
    y_window = y.loc[window].to_numpy()
    methods, note = allowed_methods(cfg.calibration_methods, y_window, cfg.isotonic_min_leads,
                                    cfg.isotonic_min_converted)
    scores = raw.to_numpy()
    cv = {m: cross_validated_log_loss(expit(scores), y_window, m, cfg.seed) for m in methods}
    method = min(cv, key=cv.__getitem__)
    calibrator = fit_calibrator(method, scores, y_window, EPS)
    shift = None
    cohort = newest_month(scored_at.loc[window], cfg.prior_shift_min_leads) \
        if by_time and scored_at is not None else None
    if cohort is not None:
        month, rows = cohort
        shift = prior_shift(month, calibrator.predict(scores[rows]), y_window[rows],
                            cfg.prior_shift_z, EPS)
        if shift.applied:
            calibrator = shifted_calibrator(calibrator, shift.delta, EPS)
        if progress is not None:
            progress(f"  {shift.describe()}")
    model = calibrated_with(fitted[-1], calibrator, method, x.loc[window], y_window)
    return RecentFit(model, method, cv, Rows(ids, window, len(pairs), by_time), shift, note)


__all__ = ["RecentFit", "Rows", "fit_recent", "time_order", "blocks", "span"]
