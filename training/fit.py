"""Candidate models and how they are compared: one scikit-learn Pipeline each, preprocessing
included, so it travels whole; compared on time-ordered folds (``training.folds``).

* ``default_logreg``: what a data scientist's default notebook fits (``training.baseline``): a
  plain ``LogisticRegression()`` on median-imputed, standardised numbers and one-hot categories.
  A real candidate in every run, and the floor (``training.choose``).
* ``logreg``: median imputation with missing-indicators, Yeo-Johnson scaling of the (skewed) counts,
  one-hot categoricals with rare values pooled; an L2-regularised logistic regression.
* ``hgb``: HistGradientBoosting with native missing values and native categoricals (ordinal codes,
  rare values pooled, at most ``max_categories`` per column so the 255 limit is never hit).
* the best ``logreg`` and the best ``hgb`` again with recent leads weighted more (``_hl<days>d``:
  exponential decay with that half-life, ``training.recency``), when the leads have times. A
  weighted recipe can be chosen only where it beats its unweighted recipe beyond noise (its
  mean paired per-lead log loss lower by ``TrainConfig.decay_min_z`` standard errors, one by
  default: the one-standard-error rule): weighting shrinks the effective history, which a
  small export cannot afford on a hunch.

Each candidate is fitted on every fold's fit leads and scores the fold's block. It is judged by
its mean validation log loss *after* a sigmoid recalibration (cross-validated within each block),
so a candidate is judged on how well it ranks and separates, not on a base rate that the
recalibration on recent leads sets anyway; its ROC AUC per fold is kept for the floor.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, PowerTransformer

from training.baseline import DEFAULT_NAME, default_logreg
from training.calibrate import cross_validated_losses
from training.config import TrainConfig
from training.data import Progress
from training.folds import Fold
from training.recency import decay_weights, half_lives

logger = logging.getLogger(__name__)

DEFAULT_FAMILY = "default"
WEIGHTED_FAMILIES = ("logreg", "hgb")  # the families whose best recipe is tried with decay


@dataclass(frozen=True)
class Recipe:
    """An unfitted candidate: its pipeline and, optionally, a half-life for recent leads."""

    name: str
    family: str
    params: dict[str, object]
    pipeline: Pipeline
    half_life_days: float | None = None

    def fit(self, x: pd.DataFrame, y: np.ndarray, when: pd.Series | None) -> Pipeline:
        """A fitted copy on ``x``/``y``; ``when`` (scoring moments of the rows) sets the decay
        weights when the recipe has a half-life."""
        model = clone(self.pipeline)
        weights = None if when is None else decay_weights(when, self.half_life_days)
        if weights is None:
            return model.fit(x, y)
        return model.fit(x, y, model__sample_weight=weights)

    def decayed(self, days: float) -> Recipe:
        """This recipe with recent leads weighted more (half-life ``days``)."""
        return replace(self, name=f"{self.name}_hl{days:g}d", half_life_days=days,
                       params={**self.params, "half_life_days": days})


@dataclass
class Candidate:
    """A recipe and how it did on each fold (oldest first).

    ``fold_calibrated_log_loss``: after a cross-validated sigmoid recalibration (the ranking key
    is their mean), from the per-lead losses ``fold_losses``; ``fold_p``: its raw probabilities
    for each fold's block; ``not_chosen_because``: why the run may not choose it (None: it may).
    """

    recipe: Recipe
    fold_auc: list[float]
    fold_log_loss: list[float]
    fold_losses: list[np.ndarray] = field(repr=False)
    fold_p: list[np.ndarray] = field(repr=False)
    fit_seconds: float
    not_chosen_because: str | None = None

    @property
    def fold_calibrated_log_loss(self) -> list[float]:
        return [float(np.mean(losses)) for losses in self.fold_losses]

    @property
    def name(self) -> str:
        return self.recipe.name

    @property
    def family(self) -> str:
        return self.recipe.family

    @property
    def params(self) -> dict[str, object]:
        return self.recipe.params

    @property
    def pipeline(self) -> Pipeline:
        return self.recipe.pipeline

    @property
    def valid_auc(self) -> float:
        return float(np.mean(self.fold_auc))

    @property
    def valid_log_loss(self) -> float:
        return float(np.mean(self.fold_log_loss))

    @property
    def valid_calibrated_log_loss(self) -> float:
        return float(np.mean(self.fold_calibrated_log_loss))

    @property
    def valid_p(self) -> np.ndarray:
        return np.concatenate(self.fold_p)

    def row(self) -> dict[str, object]:
        """The candidate's row of the candidates table (MLflow, the notebook)."""
        out: dict[str, object] = {
            "name": self.name, "family": self.family,
            "half_life_days": self.recipe.half_life_days,
            "valid_log_loss": self.valid_log_loss,
            "valid_calibrated_log_loss": self.valid_calibrated_log_loss,
            "valid_auc": self.valid_auc, "fit_seconds": self.fit_seconds,
            "not_chosen_because": self.not_chosen_because or ""}
        for k, auc in enumerate(self.fold_auc, start=1):
            out[f"fold_{k}_auc"] = auc
        for k, loss in enumerate(self.fold_calibrated_log_loss, start=1):
            out[f"fold_{k}_calibrated_log_loss"] = loss
        return out


def logreg_pipeline(numeric: list[str], categorical: list[str], c: float,
                    cfg: TrainConfig) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True,
                                                       keep_empty_features=True)),
                              ("scale", PowerTransformer())]), numeric),
            ("cat", OneHotEncoder(handle_unknown="infrequent_if_exist",
                                  min_frequency=cfg.min_category_count,
                                  max_categories=cfg.max_categories, sparse_output=False),
             categorical),
        ],
        verbose_feature_names_out=False,
    )
    model = LogisticRegression(C=c, max_iter=2000)
    return Pipeline([("encode", encode), ("model", model)])


def hgb_pipeline(numeric: list[str], categorical: list[str], params: dict,
                 cfg: TrainConfig) -> Pipeline:
    encode = ColumnTransformer(
        [
            ("num", "passthrough", numeric),
            ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                   encoded_missing_value=np.nan,
                                   min_frequency=cfg.min_category_count,
                                   max_categories=min(cfg.max_categories, 254)), categorical),
        ],
        verbose_feature_names_out=False,
    )
    is_categorical = np.array([False] * len(numeric) + [True] * len(categorical))
    model = HistGradientBoostingClassifier(
        categorical_features=is_categorical, early_stopping=True, validation_fraction=0.1,
        n_iter_no_change=30, random_state=cfg.seed, **params)
    return Pipeline([("encode", encode), ("model", model)])


def base_recipes(numeric: list[str], categorical: list[str], cfg: TrainConfig) -> list[Recipe]:
    """The unweighted candidates: the logreg and hgb grids of ``cfg`` and the default model."""
    recipes = [Recipe(f"logreg_C{c:g}", "logreg", {"C": c},
                      logreg_pipeline(numeric, categorical, c, cfg)) for c in cfg.logreg_c]
    recipes += [Recipe(f"hgb_{i}", "hgb", dict(p), hgb_pipeline(numeric, categorical, p, cfg))
                for i, p in enumerate(cfg.hgb_params)]
    recipes.append(Recipe(DEFAULT_NAME, DEFAULT_FAMILY, {},
                          default_logreg(numeric, categorical)))
    return recipes


def _fit_fold(recipe: Recipe, x: pd.DataFrame, y: pd.Series, when: pd.Series | None,
              fold: Fold) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    model = recipe.fit(x.loc[fold.fit], y.loc[fold.fit].to_numpy(),
                       None if when is None else when.loc[fold.fit])
    return model.predict_proba(x.loc[fold.held])[:, 1], time.perf_counter() - start


def evaluate(recipes: list[Recipe], x: pd.DataFrame, y: pd.Series, when: pd.Series | None,
             folds: list[Fold], cfg: TrainConfig, progress: Progress) -> list[Candidate]:
    """Every recipe fitted on every fold (in parallel, ``cfg.n_jobs``) and measured on the
    fold's block; one progress line per recipe."""
    jobs = [(r, f) for r in recipes for f in folds]
    results = Parallel(n_jobs=cfg.n_jobs)(delayed(_fit_fold)(r, x, y, when, f) for r, f in jobs)
    out = []
    for i, recipe in enumerate(recipes):
        mine = results[i * len(folds):(i + 1) * len(folds)]
        aucs, losses, calibrated, ps = [], [], [], []
        for fold, (p, _) in zip(folds, mine, strict=True):
            y_held = y.loc[fold.held].to_numpy()
            aucs.append(float(roc_auc_score(y_held, p)))
            losses.append(float(log_loss(y_held, p, labels=[0, 1])))
            calibrated.append(cross_validated_losses(p, y_held, "sigmoid", cfg.seed))
            ps.append(p)
        candidate = Candidate(recipe, aucs, losses, calibrated, ps,
                              float(sum(s for _, s in mine)))
        progress(f"  {recipe.name:<22} log loss {candidate.valid_calibrated_log_loss:.4f} "
                 f"recalibrated ({candidate.valid_log_loss:.4f} raw), ROC AUC "
                 f"{candidate.valid_auc:.3f}; by fold "
                 + " ".join(f"{a:.3f}" for a in aucs) + f"  ({candidate.fit_seconds:.1f}s)")
        out.append(candidate)
    return out


def beyond_noise(candidate: Candidate, reference: Candidate, z: float) -> tuple[bool, float,
                                                                            float]:
    """Whether ``candidate``'s per-lead recalibrated log loss is lower than ``reference``'s on
    the same leads by at least ``z`` standard errors of the paired difference: (it is, mean
    difference, its standard error)."""
    diff = np.concatenate(candidate.fold_losses) - np.concatenate(reference.fold_losses)
    se = float(diff.std(ddof=1) / np.sqrt(len(diff)))
    mean = float(diff.mean())
    return mean + z * se < 0, mean, se


def ranked(candidates: list[Candidate]) -> list[Candidate]:
    """Best (lowest mean recalibrated validation log loss) first."""
    return sorted(candidates, key=lambda c: c.valid_calibrated_log_loss)


def fit_candidates(x: pd.DataFrame, y: pd.Series, when: pd.Series | None, folds: list[Fold],
                   numeric: list[str], categorical: list[str], cfg: TrainConfig,
                   progress: Progress = lambda _: None) -> list[Candidate]:
    """Every candidate measured on ``folds``, best first: the unweighted recipes, then (when the
    leads have times) the best of each weighted family again with each half-life of
    ``cfg.decay_half_lives`` (shares of the history's time span)."""
    found = evaluate(base_recipes(numeric, categorical, cfg), x, y, when, folds, cfg, progress)
    history = folds[-1].fit.append(folds[-1].held)
    days = [] if when is None else half_lives(when.loc[history], cfg.decay_half_lives)
    if days:
        best = {f: next((c for c in ranked(found) if c.family == f), None)
                for f in WEIGHTED_FAMILIES}
        parents = [c for c in best.values() if c is not None]
        progress(f"  recent leads weighted more (half-lives {', '.join(f'{d:g}' for d in days)} "
                 f"days):")
        for parent in parents:
            for weighted in evaluate([parent.recipe.decayed(d) for d in days], x, y, when,
                                     folds, cfg, progress):
                better, mean, se = beyond_noise(weighted, parent, cfg.decay_min_z)
                if not better:
                    weighted.not_chosen_because = (
                        f"not beyond noise better than {parent.name} (paired log loss "
                        f"{mean:+.4f}, standard error {se:.4f})")
                found.append(weighted)
    return ranked(found)


__all__ = ["Recipe", "Candidate", "fit_candidates", "base_recipes", "evaluate", "ranked",
           "beyond_noise",
           "logreg_pipeline", "hgb_pipeline", "DEFAULT_FAMILY"]
