"""The promotion policy: when a newly trained model becomes the champion. One rule, used by
``leadconv train``, the ``make demo`` job and the retraining notebook (``training.compare``).

The rule: a new model becomes ``champion`` when there is no champion yet, when promotion is
forced, or when its test log loss is at most the champion's re-scored on the *same* test leads
plus ``TrainConfig.promotion_tolerance``. A champion that cannot score those leads (another data
shape, other features) counts as beaten. Otherwise the new model stays ``challenger``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

logger = logging.getLogger(__name__)

CHAMPION, CHALLENGER = "champion", "challenger"


def is_better(new_loss: float, champion_loss: float, tolerance: float) -> bool:
    """Whether a model with ``new_loss`` replaces one with ``champion_loss`` (same test leads).

    A champion loss that is not a number (it could not score the leads) counts as beaten.
    """
    if not math.isfinite(champion_loss):
        return True
    return new_loss <= champion_loss + tolerance


@dataclass(frozen=True)
class Decision:
    """The outcome and why; ``to_dict`` is what MLflow records as ``promotion.json``."""

    alias: str
    reason: str
    new_version: str
    new_test_log_loss: float
    champion_version: str | None
    forced: bool
    champion_test_log_loss: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.champion_test_log_loss is None:
            out.pop("champion_test_log_loss")
        return out


def decide(new_version: str, new_loss: float, champion_version: str | None,
           champion_loss: float, *, tolerance: float, forced: bool, n_test: int) -> Decision:
    """Apply the policy (see the module docstring) to one comparison."""
    if champion_version is None:
        return Decision(CHAMPION, "no champion yet", new_version, new_loss, None, forced)
    comparison = (f"test log loss new v{new_version} {new_loss:.5f} vs champion "
                  f"v{champion_version} {champion_loss:.5f} on the same {n_test:,} test leads")
    if forced:
        alias, reason = CHAMPION, f"--promote forced; {comparison}"
    else:
        better = is_better(new_loss, champion_loss, tolerance)
        alias, reason = (CHAMPION if better else CHALLENGER), comparison
    return Decision(alias, reason, new_version, new_loss, champion_version, forced,
                    champion_loss)


def loss_on(model: Any, x: pd.DataFrame, y: np.ndarray, version: str | None = None) -> float:
    """A model's log loss on ``x``/``y``; NaN (with a warning) when it cannot score them."""
    try:
        return float(log_loss(y, model.predict_proba(x)[:, 1], labels=[0, 1]))
    except Exception as exc:  # e.g. a champion trained on other features
        logger.warning("champion v%s cannot score these test leads: %s", version, exc)
        return float("nan")
