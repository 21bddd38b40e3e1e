"""Retraining, the step a scheduler runs: whether it is needed, a challenger trained and promoted
only through the promotion policy, and what happened in one line, a JSON record and an exit code.

* ``need``: retrain when there is no champion, when the monitor's verdict is not healthy (or it
  could not judge the champion: no reference profile), or when the champion is older than
  ``max_age_days``. It takes plain facts (the champion's card, the monitor's summary as a dict,
  ``monitoring.summary``), so training does not import monitoring; ``leadconv retrain`` wires
  the two.
* ``retrain``: one training run (``training.train.train``) with the policy ``if_better``: the
  challenger becomes champion only when its test log loss is at most the champion's on the same
  newest test leads the champion has not seen (``training.promotion``).
* ``Outcome``: the status (``not_needed``, ``promoted``, ``kept``, ``failed``), its exit code for
  a scheduler (``EXIT_CODES``), the one summary line and the facts written to ``retrain.json``.

The data is any data adapter (``training.data.DataAdapter``): an event-shape folder or a flat
export today; another source of the same history (a database) plugs in the same way.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scoring.card import ModelCard
from training.config import TrainConfig, log_progress
from training.data import DataAdapter, Progress

NOT_NEEDED, PROMOTED, KEPT, FAILED = "not_needed", "promoted", "kept", "failed"
# 0: nothing to do, or a better model serves now; 1: retrained, the champion was kept (someone
# should look); 2: an error (bad or missing data, training refused, unreadable champion).
EXIT_CODES = {NOT_NEEDED: 0, PROMOTED: 0, KEPT: 1, FAILED: 2}
# A new month of leads matures about every 30 days (the 90-day horizon moves on by a month):
# retraining at least monthly keeps the champion within one matured cohort of the newest history
# even when the monitor finds nothing (drift below its thresholds adds up unseen).
DEFAULT_MAX_AGE_DAYS = 30
RESULT_FILE = "retrain.json"
MAX_FINDINGS = 3  # monitor findings named in the summary line (all are in the JSON)


@dataclass(frozen=True)
class Need:
    """Whether to retrain, and why (or why not), with the champion it was judged on."""

    retrain: bool
    reasons: list[str]
    champion_version: str | None = None
    champion_trained_at: str | None = None
    age_days: float | None = None


def age_days(card: ModelCard, now: datetime) -> float | None:
    """Days since the champion was trained (its card's ``trained_at``); None when unknown."""
    if not card.trained_at:
        return None
    try:
        trained = datetime.fromisoformat(card.trained_at)
    except ValueError:
        return None
    if trained.tzinfo is None:
        trained = trained.replace(tzinfo=UTC)
    return (now - trained).total_seconds() / 86400


def findings(verdict: dict[str, Any]) -> list[str]:
    """The monitor's reasons in a few words each: ``drift in source (PSI 0.67)``."""
    out = []
    for r in verdict.get("reasons", []):
        kind = r.get("kind")
        if kind == "input_drift":
            out.append(f"drift in {r['column']} (PSI {r['max_psi']:.2f})")
        elif kind == "score_drift":
            out.append(f"score drift (PSI {r['max_psi']:.2f})")
        elif kind == "calibration":
            out.append(f"calibration off in {', '.join(r['months'])} (ECE up to "
                       f"{r['max_ece']:.3f})")
        elif kind == "ranking":
            out.append(f"ranking worse (realised ROC AUC {r['auc']:.3f} vs test "
                       f"{r['test_auc']:.3f})")
        else:
            out.append(str(r.get("message", kind)))
    return out or [f"monitor verdict {verdict.get('status', 'unknown')}"]


def need(card: ModelCard | None, verdict: dict[str, Any] | None, *, max_age_days: float,
         now: datetime, problem: str | None = None) -> Need:
    """Whether a retraining is needed (see the module docstring).

    Args:
        card: the champion's card; None when there is no champion.
        verdict: the monitor's summary of the champion on the new data (``status``,
            ``reasons``); None when it could not be made (then ``problem`` says why).
        max_age_days: retrain a champion trained longer ago than this.
        now: the moment of the decision (UTC).
        problem: why the monitor could not judge the champion (e.g. no reference profile).
    """
    if card is None:
        return Need(True, ["no champion yet"])
    version, age = card.version, age_days(card, now)
    reasons = []
    if problem is not None:
        reasons.append(problem)
    elif verdict is not None and verdict.get("status") != "healthy":
        reasons += findings(verdict)
    if age is not None and age > max_age_days:
        reasons.append(f"champion v{version} is {age:.0f} days old (max {max_age_days:g})")
    if reasons:
        return Need(True, reasons, version, card.trained_at, age)
    old = "age unknown" if age is None else f"{age:.0f} days old"
    return Need(False, [f"champion v{version} healthy, {old}"], version, card.trained_at, age)


@dataclass
class Outcome:
    """What a retraining did: status, exit code, the summary line and the facts for the JSON."""

    status: str
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "exit_code": self.exit_code, "summary": self.summary,
                **self.facts}


def _because(reasons: list[str]) -> str:
    shown = reasons[:MAX_FINDINGS]
    more = len(reasons) - len(shown)
    return "; reason: " + ", ".join(shown) + (f" and {more} more" if more else "")


def not_needed(decided: Need) -> Outcome:
    """Nothing to do: the champion is healthy and young enough."""
    return Outcome(NOT_NEEDED, f"retrain: not needed: {'; '.join(decided.reasons)}",
                   {"reasons": decided.reasons, "champion": decided.champion_version})


def failed(message: str, reasons: list[str] | None = None) -> Outcome:
    """An error stopped the retraining (exit code 2)."""
    return Outcome(FAILED, f"retrain: failed: {message}", {"reasons": reasons or [],
                                                            "error": message})


def judged(decision: dict[str, Any], reasons: list[str]) -> Outcome:
    """The outcome of a training run's promotion decision (``Decision.to_dict``)."""
    new, old = decision["new_version"], decision.get("champion_version")
    facts = {"reasons": reasons, "decision": decision, "challenger": new}
    if decision.get("n_compared") is not None and old is not None:
        losses = (f"log loss {decision['new_test_log_loss']:.3f} vs champion v{old} "
                  f"{decision['champion_test_log_loss']:.3f} on {decision['n_compared']:,} leads")
    else:
        losses = decision["reason"]
    if decision["alias"] == "champion":
        facts["champion"] = new
        what = f"promoted v{new} ({'no champion yet' if old is None else losses})"
        return Outcome(PROMOTED, f"retrain: {what}{_because(reasons)}", facts)
    facts["champion"] = old
    if old is None:
        what = f"no champion: challenger v{new} not promoted ({losses})"
    elif decision.get("n_compared") is not None:
        what = f"kept champion v{old}: challenger v{new} not better ({losses})"
    else:
        what = f"kept champion v{old}: challenger v{new} not compared ({losses})"
    return Outcome(KEPT, f"retrain: {what}{_because(reasons)}", facts)


def retrain(data: DataAdapter | str | Path, cfg: TrainConfig | None = None, *,
            reasons: list[str], workdir: str | Path = ".", models_dir: str | Path = "models",
            progress: Progress = log_progress) -> Outcome:
    """Train a challenger on ``data`` and promote it by the policy ``if_better``.

    Args:
        data: a data adapter or a path (``training.train.as_adapter``).
        cfg: what the run does (default ``TrainConfig()``).
        reasons: why it retrains (``need``), carried into the summary line.
        workdir, models_dir, progress: as for ``training.train.train``.
    """
    from training.train import train

    result = train(data, cfg, workdir=workdir, models_dir=models_dir, promote="if_better",
                   progress=progress)
    outcome = judged(result.decision, reasons)
    m = result.metrics
    outcome.facts["run"] = {k: m.get(k) for k in (
        "run_id", "model_version", "alias", "model_dir", "train_seconds", "test_auc",
        "test_log_loss", "test_ece", "n_labelled", "evaluation_test_span", "published_fit_span",
        "published_calibration_span", "data_sha256") if k in m}
    return outcome


def write_result(outcome: Outcome, out: Path, extra: dict[str, Any] | None = None) -> Path:
    """``retrain.json`` in ``out`` (replaced whole: a reader never sees half of it)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / RESULT_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({**outcome.to_dict(), **(extra or {})}, indent=1, default=str),
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


__all__ = ["DEFAULT_MAX_AGE_DAYS", "EXIT_CODES", "Need", "Outcome", "need", "findings",
           "not_needed", "failed", "judged", "retrain", "write_result"]
