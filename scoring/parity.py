"""The fast scoring path proves itself at load: it must give scikit-learn's own probabilities.

``scoring.compiled`` scores without going through scikit-learn's ``predict_proba``: it reads the
fitted model's parts (some of them scikit-learn internals, ``scoring.sklearn_parts``) and redoes
encode → raw score → calibrate itself. That is only right while those internals mean what they
meant when the code was written. So every scorer, when it is built (service start, hot reload,
``leadconv score``), scores the card's reference row and its check rows (``ModelCard.checks``, a
few training rows chosen by ``check_rows``) both ways; a difference above ``TOLERANCE`` refuses
the model with a ``ParityError``. It is a ``StoreError``, so every loader reports it like a
corrupt bundle: the service keeps serving the model it has, ``leadconv score`` prints one line.

Training fills the card with ``check_rows(x_train)`` and ``installed_sklearn_version()``.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from pandas.api.types import is_numeric_dtype

from scoring.bundle import StoreError
from scoring.card import ModelCard
from scoring.compiled import CompiledModel

logger = logging.getLogger(__name__)

TOLERANCE = 1e-9  # probability: the fast path must match scikit-learn to this
N_CHECKS = 5


class ParityError(StoreError):
    """The fast scoring path does not reproduce scikit-learn's probabilities for this model."""


def installed_sklearn_version() -> str:
    """The scikit-learn this process runs (what training records in ``ModelCard``)."""
    return str(sklearn.__version__)


def _advice(fitted_with: str | None) -> str:
    installed = installed_sklearn_version()
    if fitted_with is None:
        return (f"the model card does not record which scikit-learn fitted the model: retrain "
                f"it with this scikit-learn ({installed})")
    if fitted_with != installed:
        return (f"the fast scoring path disagrees with scikit-learn {installed} (model fitted "
                f"with {fitted_with}): retrain the model with this scikit-learn, or install "
                f"scikit-learn=={fitted_with}")
    return (f"the model was fitted with this same scikit-learn ({installed}), so the model file "
            f"is not one the fast scoring path can reproduce: retrain it")


def _row_name(label: Any) -> str:
    return f"its card's {label}" if isinstance(label, str) else f"row {label!r}"


def check_parity(model: Any, compiled: CompiledModel, rows: pd.DataFrame,
                 tolerance: float = TOLERANCE, *, version: str = "unknown",
                 fitted_with: str | None = None) -> float:
    """The largest |fast − scikit-learn| probability over ``rows``; ParityError above tolerance.

    Args:
        model: the calibrated model (its ``predict_proba`` is the truth).
        compiled: the same model taken apart (``CompiledModel.from_calibrated``).
        rows: model inputs, typed as the scorer types them; the index names each row in the
            error message (e.g. ``"reference row"``, ``"check row 2"``).
        version: the model's version, for the message.
        fitted_with: the scikit-learn version recorded in the model card, for the message.
    """
    if len(rows) == 0:
        return 0.0
    installed = installed_sklearn_version()
    try:
        slow = np.asarray(model.predict_proba(rows), dtype=float)[:, 1]
    except Exception as exc:
        raise ParityError(f"model {version} refused: scikit-learn {installed} cannot score the "
                          f"model card's check rows ({type(exc).__name__}: {exc}); "
                          f"{_advice(fitted_with)}") from exc
    try:
        fast = np.asarray(compiled.predict(rows), dtype=float)
    except Exception as exc:
        raise ParityError(f"model {version} refused: the fast scoring path fails on the model "
                          f"card's check rows ({type(exc).__name__}: {exc}); "
                          f"{_advice(fitted_with)}") from exc
    gap = np.abs(fast - slow)
    gap = np.where(np.isnan(fast) & np.isnan(slow), 0.0, gap)
    gap = np.where(np.isnan(gap), np.inf, gap)
    worst = int(np.argmax(gap))
    largest = float(gap[worst])
    if not largest <= tolerance:
        raise ParityError(
            f"model {version} refused: on {_row_name(rows.index[worst])} the fast "
            f"scoring path gives probability {fast[worst]:.12g} but scikit-learn {installed} "
            f"gives {slow[worst]:.12g} (difference {largest:.3g}, more than {tolerance:g}); "
            f"{_advice(fitted_with)}")
    return largest


def compile_model(model: Any, reference: pd.DataFrame, card: ModelCard) -> CompiledModel:
    """``CompiledModel.from_calibrated``, refusing the model (ParityError) when its parts cannot
    be read with this scikit-learn, e.g. an internal attribute was renamed."""
    try:
        return CompiledModel.from_calibrated(model, reference)
    except Exception as exc:
        raise ParityError(
            f"model {card.version} refused: the fast scoring path cannot be built with "
            f"scikit-learn {installed_sklearn_version()} ({type(exc).__name__}: {exc}); "
            f"{_advice(card.sklearn_version)}") from exc


def card_rows(card: ModelCard, columns: list[str]) -> pd.DataFrame:
    """The card's reference row and check rows as one frame of ``columns`` (not yet typed),
    indexed ``"reference row"``, ``"check row 1"``, ..."""
    records: list[tuple[str, Any]] = []
    if card.reference:
        records.append(("reference row", card.reference))
    records.extend((f"check row {i}", row) for i, row in enumerate(card.checks, start=1))
    for label, row in records:
        if not isinstance(row, dict):
            raise StoreError(f"model {card.version}: the card's {label} is not an object by "
                             f"column name")
        missing = [c for c in columns if c not in row]
        if missing:
            raise StoreError(f"model {card.version}: the card's {label} lacks the model "
                             f"input(s) {', '.join(missing)}")
    frame = pd.DataFrame([{c: row[c] for c in columns} for _, row in records],
                         index=[label for label, _ in records], columns=columns)
    return frame


def warn_on_version(card: ModelCard) -> bool:
    """Log a warning when the card's scikit-learn differs from this one; True if it does.

    The parity check decides whether the model is served; this only says why it may not be.
    """
    installed = installed_sklearn_version()
    if card.sklearn_version is None:
        logger.info("model %s: its card does not record the scikit-learn that fitted it "
                    "(running %s)", card.version, installed)
        return False
    if card.sklearn_version == installed:
        return False
    logger.warning("model %s was fitted with scikit-learn %s, this is scikit-learn %s; its fast "
                   "scoring path is checked against scikit-learn's own probabilities at load",
                   card.version, card.sklearn_version, installed)
    return True


def check_positions(x: pd.DataFrame, n: int = N_CHECKS, seed: int = 0) -> list[int]:
    """Positions of ``n`` rows of ``x`` worth checking: the row with the most missing values and
    the row holding the rarest category (when there are such), then rows drawn with ``seed``.
    Deterministic for the same ``x``, ``n`` and ``seed``."""
    chosen: list[int] = []
    if n <= 0 or len(x) == 0:
        return chosen

    def add(i: int) -> None:
        if i not in chosen and len(chosen) < n:
            chosen.append(int(i))

    missing = x.isna().sum(axis=1).to_numpy()
    if missing.any():
        add(int(np.argmax(missing)))
    rarity = np.full(len(x), np.inf)
    for name in x.columns:
        column = x[name]
        if not is_numeric_dtype(column) and column.notna().any():
            counts = column.map(column.value_counts()).to_numpy(dtype=float)
            rarity = np.fmin(rarity, counts)
    if np.isfinite(rarity).any():
        add(int(np.argmin(rarity)))
    for i in np.random.default_rng(seed).permutation(len(x)):
        if len(chosen) >= n:
            break
        add(int(i))
    return chosen


def json_value(value: Any) -> Any:
    """A model-input value as JSON: missing → None, numpy scalars → Python, text as text."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def check_rows(x: pd.DataFrame, n: int = N_CHECKS, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` model-input rows of ``x`` for ``ModelCard.checks``, as JSON-safe dicts by column.

    ``x``: the model inputs training fitted on (as the model sees them). See ``check_positions``
    for which rows; missing values become None, which the scorers read back as missing.
    """
    return [{name: json_value(x[name].iloc[i]) for name in x.columns}
            for i in check_positions(x, n, seed)]


__all__ = ["N_CHECKS", "TOLERANCE", "ParityError", "card_rows", "check_parity",
           "check_positions", "check_rows", "compile_model", "installed_sklearn_version",
           "json_value", "warn_on_version"]
