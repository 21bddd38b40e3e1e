"""Training configuration: every number that shapes a run lives here, never as a literal
elsewhere; with where a run writes (``RunOptions``) and where it tracks (``TrackingSettings``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from features.leakage import LeakageConfig
from training.promotion import POLICIES, Policy

logger = logging.getLogger(__name__)


def log_progress(line: str) -> None:
    """The default progress sink: the ``training`` logger at INFO."""
    logger.info("%s", line)


@dataclass(frozen=True)
class TrainConfig:
    """What a training run does. The CLI builds one from its flags; the notebook may too.

    Attributes:
        horizon_days: a lead is converted if it became an SQL within this many days after its
            scoring moment.
        valid_fraction, test_fraction: shares of labelled leads (by scoring time, newest last) for
            the validation and the out-of-time test set.
        min_positives, min_negatives: refuse to train below these labelled counts.
        seed: random state for the models and any random split.
        ece_bins: equal-width probability bins for the expected calibration error.
        calibration_methods: candidates for calibration, chosen by cross-validated log loss on
            the out-of-fold scores of the calibration window (``training.refit``).
        calibration_window: the newest share of a history on which the model is calibrated,
            with out-of-fold scores (time-ordered cross-fitting, ``training.refit``).
        calibration_folds: consecutive blocks of that window; each is scored by a model fitted
            on every lead before it (stratified folds when the data has no time).
        prior_shift_z, prior_shift_min_leads: the intercept moves to the newest matured
            cohort's conversion rate (the newest month with at least this many leads) when it
            differs from the calibrated prediction by at least ``prior_shift_z`` standard
            deviations (``training.prior_shift``).
        isotonic_min_leads, isotonic_min_converted: isotonic calibration is a candidate only
            with at least this many leads and converted leads in the calibration window.
        newest_month_min_leads: the newest test month whose ECE is reported is the newest with
            at least this many leads (a partial month of a few days says little).
        selection_folds: time-ordered folds (rolling origin) the candidates are compared on:
            blocks the size of the validation part, the newest being it (``training.folds``).
        guard_folds: the newest folds on which no candidate may rank below the default
            LogisticRegression beyond noise (``training.choose``).
        baseline_guard_level: a candidate is passed over when the whole paired bootstrap
            interval (at this level) of its ROC AUC minus the default LogisticRegression's, on
            the newest ``guard_folds`` folds, lies below zero (``training.choose``).
        decay_half_lives: half-lives tried for weighting recent leads more, as shares of the
            history's time span (the best logreg and the best hgb, each with each half-life;
            ``training.recency``); empty: never weighted. Only with a time column.
        decay_min_z: a weighted recipe may be chosen only when its per-lead recalibrated
            validation log loss beats its unweighted recipe's by this many standard errors of
            the paired difference (``training.fit``).
        calibration_check_level: the published procedure's ECE on the newest test month is
            "worse than the default LogisticRegression's beyond noise" when the whole paired
            bootstrap interval (at this level) of the difference lies above zero.
        n_jobs: parallel jobs (joblib) for the independent fits of a refit and the permutation
            importances; -1: one per core.
        promotion_tolerance: a challenger becomes champion if its test log loss is at most the
            champion's plus this (see ``training.promotion``).
        promote_if_better: promote a run's model when it beats the champion (policy
            ``if_better``); False registers it as challenger only (policy ``never``).
        model_name: name of the model in the MLflow registry.
        hgb_params, logreg_c: the small hyper-parameter grids of the two candidate families.
        leakage: thresholds of the leakage check run before fitting (``features.leakage``).
        keep_columns: flagged columns to keep anyway (``--keep-column``), logged to MLflow.
    """

    horizon_days: int = 90
    valid_fraction: float = 0.15
    test_fraction: float = 0.20
    min_positives: int = 50
    min_negatives: int = 50
    seed: int = 42
    ece_bins: int = 10
    calibration_methods: tuple[str, ...] = ("sigmoid", "isotonic")
    calibration_window: float = 0.3
    calibration_folds: int = 3
    prior_shift_z: float = 2.0
    selection_folds: int = 3
    guard_folds: int = 2
    baseline_guard_level: float = 0.95
    decay_half_lives: tuple[float, ...] = (0.5, 0.2)
    decay_min_z: float = 1.0
    calibration_check_level: float = 0.95
    n_jobs: int = -1
    prior_shift_min_leads: int = 300
    isotonic_min_leads: int = 1000
    newest_month_min_leads: int = 300
    isotonic_min_converted: int = 100
    promotion_tolerance: float = 0.0
    promote_if_better: bool = False
    model_name: str = "lead-conversion"
    min_category_count: int = 20
    max_categories: int = 250
    logreg_c: tuple[float, ...] = (0.05, 0.5)
    hgb_params: tuple[dict, ...] = field(default_factory=lambda: (
        {"learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40,
         "l2_regularization": 1.0, "max_iter": 400},
        {"learning_rate": 0.03, "max_leaf_nodes": 7, "min_samples_leaf": 80,
         "l2_regularization": 5.0, "max_iter": 1000},
        # Shallow trees suit the additive-with-few-interactions shape of lead data; a moderate
        # learning rate keeps the ensemble to a few hundred trees, which scoring latency needs.
        {"learning_rate": 0.06, "max_leaf_nodes": 4, "min_samples_leaf": 100,
         "l2_regularization": 10.0, "max_iter": 1000},
    ))
    leakage: LeakageConfig = field(default_factory=LeakageConfig)
    keep_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.horizon_days <= 0:
            raise ValueError(f"horizon_days must be positive, got {self.horizon_days}")
        if not (0 < self.valid_fraction < 1 and 0 < self.test_fraction < 1
                and self.valid_fraction + self.test_fraction < 0.9):
            raise ValueError("valid_fraction and test_fraction must be in (0, 1) and leave >10% "
                             "for training")
        if self.selection_folds < 1 or self.guard_folds < 1:
            raise ValueError(f"selection_folds and guard_folds must be at least 1, got "
                             f"{self.selection_folds} and {self.guard_folds}")
        if any(not 0 < s <= 10 for s in self.decay_half_lives):
            raise ValueError(f"decay_half_lives are shares of the history's span in (0, 10], "
                             f"got {self.decay_half_lives}")
        if not 0 < self.calibration_window <= 0.5 or self.calibration_folds < 2:
            raise ValueError(f"calibration_window must be in (0, 0.5] and calibration_folds at "
                             f"least 2, got {self.calibration_window} and "
                             f"{self.calibration_folds}")
        unknown = set(self.calibration_methods) - {"sigmoid", "isotonic"}
        if unknown or not self.calibration_methods:
            raise ValueError(f"calibration_methods must be sigmoid and/or isotonic, got "
                             f"{self.calibration_methods}")

    def as_params(self) -> dict[str, object]:
        """Flat parameters for MLflow."""
        flat = {k: v for k, v in asdict(self).items() if k not in ("hgb_params", "leakage")}
        flat.update({f"leakage_{k}": v for k, v in asdict(self.leakage).items()})
        flat["leakage_name_words"] = ",".join(self.leakage.name_words)
        flat["keep_columns"] = ",".join(self.keep_columns) or "(none)"
        flat["calibration_methods"] = ",".join(self.calibration_methods)
        flat["logreg_c"] = ",".join(map(str, self.logreg_c))
        flat["decay_half_lives"] = ",".join(map(str, self.decay_half_lives)) or "(none)"
        for i, params in enumerate(self.hgb_params):
            flat[f"hgb_{i}"] = ",".join(f"{k}={v}" for k, v in params.items())
        return flat


@dataclass(frozen=True)
class RunOptions:
    """Where a run writes and what it may do (the CLI builds one from its flags).

    Attributes:
        workdir: holds the embedded MLflow store (``mlflow.db``, ``mlartifacts/``) when no
            ``MLFLOW_TRACKING_URI`` is set.
        models_dir: the local model store; a champion is exported to ``<models_dir>/champion``.
        promote: the promotion policy of this run (``never``, ``if_better`` or ``always``, see
            ``training.promotion``); None: ``if_better`` when ``TrainConfig.promote_if_better``
            says so, else ``never``.
        dry_run: stop after the leakage check (nothing fitted or logged).
        progress: where progress lines go (the CLI prints them).
    """

    workdir: Path = Path(".")
    models_dir: Path = Path("models")
    promote: Policy | None = None
    dry_run: bool = False
    progress: Callable[[str], None] = log_progress

    def __post_init__(self) -> None:
        object.__setattr__(self, "workdir", Path(self.workdir))
        object.__setattr__(self, "models_dir", Path(self.models_dir))
        if self.promote is not None and self.promote not in POLICIES:
            raise ValueError(f"promote must be one of {POLICIES} or None, got {self.promote!r}")

    def policy(self, cfg: TrainConfig) -> Policy:
        """The promotion policy of the run: the option, else the configuration's."""
        if self.promote is not None:
            return self.promote
        return "if_better" if cfg.promote_if_better else "never"


class TrackingSettings(BaseSettings):
    """Where training tracks its runs: ``MLFLOW_TRACKING_URI`` from the environment or ``.env``
    (the same file the service reads); unset means the embedded store in the work folder."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      frozen=True)

    mlflow_tracking_uri: str | None = None


def tracking_uri_from_env() -> str | None:
    """``MLFLOW_TRACKING_URI`` as the environment (or ``.env``) sets it; blank counts as unset."""
    return TrackingSettings().mlflow_tracking_uri or None
