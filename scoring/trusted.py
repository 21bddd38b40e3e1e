"""Which types a saved model may hold: the allow-list of the bundle's skops file.

skops rebuilds only the types it is told to trust. The list lives here, in code, and never in
the model folder: a writer of the folder cannot widen it. Training checks a model against it
before saving (``skops_trusted_types``), and every load refuses a file that names a type outside
it before anything is built (``scoring.bundle.load_bundle``).

``TRUSTED_TYPES`` are the types skops does not trust by default that our recipes hold (logistic
regression and HistGradientBoosting pipelines, calibrated by sigmoid or isotonic, with or without
a prior shift; both data shapes). ``tests/scoring/test_trusted.py`` checks that a trained model
needs no other.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

TRUSTED_TYPES: frozenset[str] = frozenset({
    "functools.partial",  # HistGradientBoosting keeps a partial of its own loss
    "numpy.dtype",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
})


def unexpected_types(types: Iterable[str]) -> list[str]:
    """The types of ``types`` outside ``TRUSTED_TYPES``, sorted."""
    return sorted(set(types) - TRUSTED_TYPES)


def skops_trusted_types(model: Any) -> list[str]:
    """The types of ``model`` skops would refuse by default, all of which we trust.

    Raises:
        ValueError: the model holds a type outside ``TRUSTED_TYPES`` (it could not be loaded
            from a bundle, so it is not saved).
    """
    import skops.io

    untrusted = skops.io.get_untrusted_types(data=skops.io.dumps(model))
    foreign = unexpected_types(untrusted)
    if foreign:
        raise ValueError(f"model holds types outside the allow-list of scoring.trusted: "
                         f"{foreign}")
    return sorted(untrusted)
