"""The fitted scikit-learn internals the fast scoring path reads, all in this one module.

``scoring.compiled``, ``scoring.encoding`` and ``scoring.forest`` take a calibrated pipeline apart
(encode → raw score → calibrator, trees as flat arrays). Some of the parts they need are not
scikit-learn's public API: the calibrator objects inside ``CalibratedClassifierCV``, the
sigmoid calibrator's class, HistGradientBoosting's own preprocessor, its tree predictors and their
node records, its bin mapper's known categories and its baseline prediction. Every access to such
a private name (underscore-prefixed attributes, private classes and modules) happens here, behind
small functions that return plain numbers and numpy arrays; ``tests/scoring/test_sklearn_parts.py``
checks that no other module of the project touches them.

These functions depend on the internals of the scikit-learn range pinned in ``pyproject.toml``
(``scikit-learn>=1.9,<1.10``). They are guarded at every model load by the parity check
(``scoring.parity.check_parity``): the fast path must reproduce scikit-learn's own
``predict_proba`` on the card's reference row and check rows, or the model is refused. When
upgrading scikit-learn, read this module against the new version first.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from scipy.special import expit, logit
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration
from sklearn.frozen import FrozenEstimator
from sklearn.isotonic import IsotonicRegression

BITSET_WORDS = 8  # a categorical split's bitset: 8 uint32 words, categories 0..255


def calibration_parts(model: Any) -> tuple[Any, Any]:
    """``(pipeline, calibrator)`` of a ``CalibratedClassifierCV`` fitted with one calibrator.

    That is a calibrated *prefit* model: ``CalibratedClassifierCV(FrozenEstimator(pipeline))``;
    the frozen wrapper is removed. The calibrator maps the pipeline's ``decision_function`` to the
    positive class probability.
    """
    calibrated = model.calibrated_classifiers_
    if len(calibrated) != 1:
        raise ValueError("expected one calibrator (a frozen, prefit model)")
    pipeline = calibrated[0].estimator
    pipeline = getattr(pipeline, "estimator", pipeline)  # FrozenEstimator -> Pipeline
    calibrators = calibrated[0].calibrators
    if len(calibrators) != 1:
        raise ValueError("expected a binary classifier (one calibrator)")
    return pipeline, calibrators[0]


def is_sigmoid(calibrator: Any) -> bool:
    """Whether ``calibrator`` is scikit-learn's sigmoid (Platt) calibrator."""
    return isinstance(calibrator, _SigmoidCalibration)


def sigmoid_ab(calibrator: Any) -> tuple[float, float]:
    """The sigmoid calibrator's ``(a, b)``: probability = ``expit(-(a * raw + b))``."""
    return float(calibrator.a_), float(calibrator.b_)


def fit_calibrator(method: str, raw: np.ndarray, y: np.ndarray, eps: float) -> Any:
    """A calibrator of ``method`` (``sigmoid`` or ``isotonic``) fitted on raw scores ``raw``
    (the pipeline's ``decision_function``) and labels ``y``: the objects scikit-learn's
    ``CalibratedClassifierCV`` holds. Isotonic steps are bounded to ``[eps, 1 - eps]``: a step of
    exactly 0 or 1 would claim certainty (and an infinite log loss) on new leads."""
    raw = np.asarray(raw, dtype=float)
    if method == "sigmoid":
        return _SigmoidCalibration().fit(raw, y)
    if method == "isotonic":
        return IsotonicRegression(y_min=eps, y_max=1 - eps, out_of_bounds="clip").fit(raw, y)
    raise ValueError(f"unknown calibration method {method!r}")


def shifted_calibrator(calibrator: Any, delta: float, eps: float) -> Any:
    """A copy of ``calibrator`` whose output log-odds are moved by ``delta`` (a prior shift:
    every lead's odds multiplied by ``exp(delta)``; the ranking is unchanged)."""
    if is_sigmoid(calibrator):
        shifted = _SigmoidCalibration()
        shifted.a_, shifted.b_ = calibrator.a_, calibrator.b_ - delta  # p = expit(-(a raw + b))
        return shifted
    steps = np.clip(calibrator.y_thresholds_, eps, 1 - eps)
    moved = np.clip(expit(logit(steps) + delta), eps, 1 - eps)
    return IsotonicRegression(y_min=eps, y_max=1 - eps, out_of_bounds="clip").fit(
        calibrator.X_thresholds_, moved)


def calibrated_with(pipeline: Any, calibrator: Any, method: str, x_any: Any,
                    y_any: np.ndarray) -> CalibratedClassifierCV:
    """``CalibratedClassifierCV(FrozenEstimator(pipeline))`` whose one calibrator is
    ``calibrator`` (fitted elsewhere, e.g. on out-of-fold scores): the same object a prefit
    calibration gives, so every consumer (scoring, MLflow, the fast path) reads it as usual.
    ``x_any``, ``y_any``: any rows with both classes, used only to build the object."""
    model = CalibratedClassifierCV(FrozenEstimator(pipeline), method="sigmoid")
    model.fit(x_any, y_any)
    model.calibrated_classifiers_[0].calibrators = [calibrator]
    model.set_params(method=method)
    return model


def hgb_preprocessor(hgb: Any) -> Any | None:
    """HistGradientBoosting's own fitted input step (categorical columns first, codes
    renumbered), or None when it has none (no categorical features)."""
    return getattr(hgb, "_preprocessor", None)


class TreeNodes(NamedTuple):
    """One fitted tree, as plain per-node arrays (node ids local to the tree).

    ``left_cat_bitsets``: (n_bitsets, BITSET_WORDS) uint32, the categories that go left at each
    categorical split; ``bitset`` is a node's row there.
    """

    is_leaf: np.ndarray  # bool
    left: np.ndarray  # int64 child ids (meaningless at leaves)
    right: np.ndarray
    feature: np.ndarray  # int64
    threshold: np.ndarray  # float: go left when value <= threshold
    missing_left: np.ndarray  # bool: where missing values go
    is_categorical: np.ndarray  # bool
    bitset: np.ndarray  # int64
    value: np.ndarray  # float, leaf values
    depth: np.ndarray  # int64
    left_cat_bitsets: np.ndarray


def tree_nodes(hgb: Any) -> list[TreeNodes]:
    """Every tree of a fitted *binary* HistGradientBoostingClassifier, in boosting order."""
    if getattr(hgb, "n_trees_per_iteration_", 1) != 1:
        raise ValueError("only binary classifiers are supported")
    out = []
    for iteration in hgb._predictors:
        for predictor in iteration:
            nodes = predictor.nodes
            bits = np.asarray(predictor.raw_left_cat_bitsets, dtype=np.uint32)
            out.append(TreeNodes(
                is_leaf=nodes["is_leaf"].astype(bool),
                left=nodes["left"].astype(np.int64), right=nodes["right"].astype(np.int64),
                feature=nodes["feature_idx"].astype(np.int64),
                threshold=nodes["num_threshold"].astype(float),
                missing_left=nodes["missing_go_to_left"].astype(bool),
                is_categorical=nodes["is_categorical"].astype(bool),
                bitset=nodes["bitset_idx"].astype(np.int64),
                value=nodes["value"].astype(float), depth=nodes["depth"].astype(np.int64),
                left_cat_bitsets=bits.reshape(-1, BITSET_WORDS)))
    return out


def known_category_bitsets(hgb: Any) -> np.ndarray:
    """(n_features, BITSET_WORDS) uint32: the categories the model saw in training, per input
    column of its internal matrix (all zero for numeric columns)."""
    mapper = hgb._bin_mapper
    known, index = mapper.make_known_categories_bitsets()
    out = np.zeros((len(index), BITSET_WORDS), dtype=np.uint32)
    for j in np.flatnonzero(mapper.is_categorical_):
        out[j] = known[index[j]]
    return out


def baseline_prediction(hgb: Any) -> float:
    """The raw score every tree's leaf values are added to (binary model)."""
    return float(np.ravel(hgb._baseline_prediction)[0])


__all__ = ["BITSET_WORDS", "TreeNodes", "baseline_prediction", "calibration_parts",
           "hgb_preprocessor", "is_sigmoid", "known_category_bitsets", "sigmoid_ab",
           "tree_nodes"]
