"""Challenger against champion, and promotion by hand: what the retraining notebook calls.

``compare_with_champion(result)`` scores the run's out-of-time test leads with the new model and
with the model that was champion when the run started, side by side (metrics table and one
reliability plot). ``promote(version)`` makes any registered version the champion: the registry
alias, and the local bundle (model, card, report) the service and ``leadconv score`` read.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from report.charts import pyplot
from scoring.bundle import CARD_ARTIFACT, REPORT_ARTIFACT, export_bundle
from scoring.card import ModelCard
from scoring.metrics import probability_metrics, ranking_metrics, reliability_table
from scoring.profile import PROFILE_ARTIFACT
from training import track
from training.promotion import is_better
from training.publish import fair_test_leads
from training.train import TrainResult

logger = logging.getLogger(__name__)

METRIC_NAMES = {"auc": "ROC AUC", "pr_auc": "PR AUC", "log_loss": "log loss", "brier": "Brier",
                "ece": "ECE (10 bins)", "top_decile_rate": "top-decile conversion",
                "top_decile_lift": "top-decile lift", "base_rate": "observed rate",
                "mean_predicted": "mean predicted"}


@dataclass
class Comparison:
    """The side-by-side result.

    Attributes:
        metrics: one row per metric (business names), one column per model (``challenger vN``,
            ``champion vM`` when there was one, ``points score`` for the ranking metrics).
        figure: reliability of each model on the same test leads.
        challenger_version, champion_version: registry versions (champion None if none).
        tolerance: the configured ``promotion_tolerance``.
        comparable: False when the champion could not score these test leads (another data
            shape, other columns) or was fitted on them (``training.promotion
            .unseen_test_leads``): then the challenger is not better, whatever its metrics.
        note: why the comparison could not be made, or on which leads it was made.
    """

    metrics: pd.DataFrame
    figure: Figure
    challenger_version: str
    champion_version: str | None
    tolerance: float = 0.0
    comparable: bool = True
    note: str = ""

    @property
    def challenger_is_better(self) -> bool:
        """Whether the promotion policy (``training.promotion``) prefers the challenger: no
        champion, or a test log loss at most the champion's plus the configured tolerance; never
        when the two cannot be compared."""
        if self.champion_version is None:
            return True
        if not self.comparable:
            return False
        losses = self.metrics.loc["log loss"]
        return is_better(float(losses[f"challenger v{self.challenger_version}"]),
                         float(losses[f"champion v{self.champion_version}"]), self.tolerance)

    def should_promote(self, policy: bool | None = None) -> bool:
        """``policy`` True: always; False: never; None: when the challenger is better."""
        return self.challenger_is_better if policy is None else bool(policy)

    def _repr_html_(self) -> str:
        """In a notebook: the metrics table and the reliability plot side by side."""
        from report.charts import data_uri

        table = self.metrics.to_html(float_format=lambda v: f"{v:.4f}", na_rep="–")
        return (f'<div style="display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap">'
                f'<div>{table}</div><img src="{data_uri(self.figure)}" style="max-width:480px" '
                f'alt="reliability of each model"></div>')


def reliability_comparison(y: np.ndarray, scores: dict[str, np.ndarray], bins: int = 10) -> Figure:
    """One reliability curve per model on the same leads; the diagonal is perfect calibration."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
    for name, p in scores.items():
        table = reliability_table(y, p, bins)
        used = table[table["n"] > 0]
        ax.plot(used["mean_predicted"], used["observed_rate"], marker="o", label=name)
    ax.set(xlabel="predicted probability", ylabel="observed conversion rate", xlim=(0, 1),
           ylim=(0, 1), title=f"Reliability on the same {len(y):,} test leads")
    ax.legend(loc="upper left")
    fig.tight_layout()
    plt.close(fig)  # returned for display; not left open in pyplot's registry
    return fig


def compare_with_champion(result: TrainResult, *, workdir: str | Path = ".",
                          model_name: str = "lead-conversion", bins: int = 10) -> Comparison:
    """The new model against the champion of the time the run started, on its test leads."""
    tracking = track.resolve_tracking(workdir)
    prepared = result.prepared
    test = prepared.split.test
    x, y = prepared.x.loc[test], prepared.y.loc[test].to_numpy()
    new = str(result.metrics["model_version"])
    evaluated = result.evaluated_model if result.evaluated_model is not None else result.model
    old = result.decision.get("champion_version")
    comparable, note = True, f"on the {len(y):,} test leads"
    if old is not None:
        unseen, why = fair_test_leads(tracking, model_name, str(old), prepared,
                                      result.metrics["data_sha256"], result.metrics.get("shape"))
        if why is not None:
            comparable, note = False, why
        elif not unseen.all():
            test = test[unseen]
            x, y = x[unseen], y[unseen]
            note = f"on the {len(y):,} test leads newer than champion v{old}'s training data"
    scores = {f"challenger v{new}": evaluated.predict_proba(x)[:, 1]}
    if old is not None and comparable:
        try:
            champion = track.load_version(tracking, model_name, str(old))
            scores[f"champion v{old}"] = champion.predict_proba(x)[:, 1]
        except Exception as exc:  # e.g. a champion trained on other features
            logger.warning("champion v%s cannot score these test leads: %s", old, exc)
            comparable = False
    columns = {name: probability_metrics(y, p, bins) for name, p in scores.items()}
    if prepared.points is not None:
        columns["points score"] = ranking_metrics(y, prepared.points.loc[test].to_numpy())
    metrics = pd.DataFrame(columns).reindex(list(METRIC_NAMES)).rename(index=METRIC_NAMES)
    return Comparison(metrics, reliability_comparison(y, scores, bins), new,
                      None if old is None else str(old), result.config.promotion_tolerance,
                      comparable, note)


def promote(version: str | int, *, workdir: str | Path = ".", models_dir: str | Path = "models",
            model_name: str = "lead-conversion") -> Path:
    """Make ``version`` the champion: registry alias, and the local bundle with its report.

    Returns the bundle folder (``<models_dir>/champion``).
    """
    tracking = track.resolve_tracking(workdir)
    version = str(version)
    run_id = track.version_run_id(tracking, model_name, version)
    card_text = track.load_run_text(tracking, run_id, CARD_ARTIFACT)
    if card_text is None:
        raise ValueError(f"{model_name} v{version}: its run {run_id} has no model.json card; "
                         f"promote it with a new training run instead")
    model = track.load_version(tracking, model_name, version)
    card = ModelCard.from_dict(json.loads(card_text)).replace(version=version, alias="champion")
    folder = Path(models_dir) / "champion"
    page = track.load_run_text(tracking, run_id, REPORT_ARTIFACT)
    profile = track.load_run_text(tracking, run_id, f"{PROFILE_ARTIFACT}.json")  # monitoring's
    export_bundle(model, card, folder, report_html=page,  # whole, swapped in atomically
                  profile=None if profile is None else json.loads(profile))
    track.set_champion(tracking, model_name, version)  # the alias last
    logger.info("promoted %s v%s to champion; bundle %s", model_name, version, folder)
    return folder
