"""The promotion policy: when a newly trained model becomes the champion. One rule, used by
``leadconv train``, the ``make demo`` job, the retraining notebook (``training.compare``) and
``leadconv models promote``.

Promotion is explicit. A training run registers its model and, by the policy it is given:

* ``never`` (the default of ``leadconv train``): it stays ``challenger``; promote it later with
  ``leadconv models promote VERSION`` or the notebook;
* ``if_better`` (``--promote-if-better``, ``TrainConfig.promote_if_better``, ``make demo``): it
  becomes ``champion`` when there is no champion yet, or when its test log loss is at most the
  champion's, re-scored on the *same* test leads, plus ``TrainConfig.promotion_tolerance``;
* ``always`` (``--promote``): it becomes ``champion`` whatever the comparison says.

A comparison that cannot be made (the champion cannot score the new test leads: another data
shape, other columns; a loss that is not a number) never promotes, except by ``always``: the
champion stays, and the reason says why. Nor does one that cannot be made fairly: the champion
is compared only on test leads newer than its own training data (``unseen_test_leads``), and
with fewer than ``MIN_COMPARED`` of them it stays. A model that ranks its validation leads below
a default LogisticRegression beyond noise (``training.choose``) is never promoted by ``if_better``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss

logger = logging.getLogger(__name__)

CHAMPION, CHALLENGER = "champion", "challenger"
Policy = Literal["never", "if_better", "always"]
POLICIES: tuple[Policy, ...] = ("never", "if_better", "always")


def comparable(new_loss: float, champion_loss: float) -> bool:
    """Whether two test log losses can be compared at all (both are numbers)."""
    return math.isfinite(new_loss) and math.isfinite(champion_loss)


def is_better(new_loss: float, champion_loss: float, tolerance: float) -> bool:
    """Whether a model with ``new_loss`` replaces one with ``champion_loss`` (same test leads).

    False when the comparison cannot be made (either loss not a number).
    """
    return comparable(new_loss, champion_loss) and new_loss <= champion_loss + tolerance


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
    policy: str = "if_better"
    n_compared: int | None = None  # the test leads both losses are measured on

    @property
    def compared(self) -> bool:
        """Whether the new model and the champion were compared (both losses are numbers)."""
        return (self.champion_version is not None and self.champion_test_log_loss is not None
                and comparable(self.new_test_log_loss, self.champion_test_log_loss))

    @property
    def promoted(self) -> bool:
        return self.alias == CHAMPION

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("champion_test_log_loss", "n_compared"):
            if out[key] is None:
                out.pop(key)
        return out


def _hint(new_version: str) -> str:
    return (f"not promoted (policy 'never'); promote it with `leadconv models promote "
            f"{new_version}` or train with --promote-if-better")


MIN_COMPARED = 100  # test leads a fair comparison needs, with both outcomes among them


def unseen_test_leads(test_scored_at: pd.Series | None, champion_metrics: dict[str, float],
                      same_data: bool) -> tuple[np.ndarray, str | None]:
    """Which test leads the champion was not fitted on, and why no fair comparison can be made
    (None when it can).

    A published model is fitted on every labelled lead of its export (``training.refit``); its
    run records the newest one's scoring moment (``published_fit_until_ts``). Test leads up to
    that moment may be in its training data, where its loss is flattering; only the later ones
    compare fairly. A champion fitted on the same export (same data fingerprint) has seen every
    test lead. A champion logged before this was recorded, or fitted without times on other
    data, is compared on every test lead.
    """
    n = 0 if test_scored_at is None else len(test_scored_at)
    refit = "published_fit_rows" in champion_metrics
    if refit and same_data:
        return np.zeros(n, dtype=bool), ("the champion was fitted on this very export, its "
                                         "test leads included")
    until = champion_metrics.get("published_fit_until_ts")
    if until is None or test_scored_at is None:
        return np.ones(n, dtype=bool), None
    when = pd.to_datetime(test_scored_at, utc=True)
    last = pd.Timestamp(until, unit="s", tz="UTC")
    unseen = (when > last).to_numpy()
    if unseen.sum() < MIN_COMPARED:
        return unseen, (f"only {int(unseen.sum()):,} of the {n:,} test leads are newer than the "
                        f"champion's training data (up to {last.date()}); a fair comparison "
                        f"needs {MIN_COMPARED}")
    return unseen, None


def decide(new_version: str, new_loss: float, champion_version: str | None,
           champion_loss: float, *, tolerance: float, policy: Policy, n_test: int,
           blocked: str | None = None) -> Decision:
    """Apply the policy (see the module docstring) to one comparison.

    ``blocked``: why the comparison cannot be made fairly, or why the new model must not be
    promoted by itself (e.g. it ranks below a default LogisticRegression): it stays a
    challenger unless the policy is ``always``.
    """
    if policy not in POLICIES:
        raise ValueError(f"promotion policy must be one of {POLICIES}, got {policy!r}")
    forced = policy == "always"
    if blocked is not None and champion_version is None:
        alias = CHAMPION if forced else CHALLENGER
        reason = ("--promote forced; " if forced else "") + blocked
        return Decision(alias, reason, new_version, new_loss, None, forced, policy=policy)
    if champion_version is None:
        alias = CHALLENGER if policy == "never" else CHAMPION
        reason = "no champion yet" + ("; " + _hint(new_version) if alias == CHALLENGER else "")
        return Decision(alias, reason, new_version, new_loss, None, forced, policy=policy)
    if blocked is not None:
        comparison = f"{blocked}; champion v{champion_version} kept"
    elif comparable(new_loss, champion_loss):
        comparison = (f"test log loss new v{new_version} {new_loss:.5f} vs champion "
                      f"v{champion_version} {champion_loss:.5f} on the same {n_test:,} test "
                      f"leads")
    else:
        comparison = (f"the comparison cannot be made: champion v{champion_version} could not "
                      f"score the {n_test:,} new test leads (another data shape or other "
                      f"columns); champion kept")
    if forced:
        alias, reason = CHAMPION, f"--promote forced; {comparison}"
    elif policy == "never":
        alias, reason = CHALLENGER, f"{comparison}; {_hint(new_version)}"
    else:
        better = blocked is None and is_better(new_loss, champion_loss, tolerance)
        alias, reason = (CHAMPION if better else CHALLENGER), comparison
    return Decision(alias, reason, new_version, new_loss, champion_version, forced,
                    champion_loss, policy, None if blocked is not None else n_test)


def loss_on(model: Any, x: pd.DataFrame, y: np.ndarray, version: str | None = None) -> float:
    """A model's log loss on ``x``/``y``; NaN (with a warning) when it cannot score them."""
    try:
        return float(log_loss(y, model.predict_proba(x)[:, 1], labels=[0, 1]))
    except Exception as exc:  # e.g. a champion trained on other features
        logger.warning("champion v%s cannot score these test leads: %s", version, exc)
        return float("nan")
