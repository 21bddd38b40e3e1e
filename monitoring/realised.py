"""Realised calibration and ranking on matured leads: is a 30% lead still converting 30% of the
time?

A lead has matured when its horizon has passed by the export's ``as_of``: its label is known
(``features.labels.make_labels``, which leaves censored leads out rather than call them 0).
Per month and over all matured leads: observed conversion against mean predicted, ROC AUC and
ECE (``scoring.metrics``); per score band (the ECE's equal-width bands): leads, mean predicted,
observed rate. The ECE is set beside its noise level: the ``noise_quantile`` of the ECE a
perfectly calibrated model would show on the same predictions (labels drawn from them). Beside
the ECE, calibration in the large: the gap between converted and predicted leads in standard
deviations of a calibrated model's count (``z``: ``(sum y - sum p) / sqrt(sum p (1 - p))``) and
relative to the predicted rate; a shift of the base rate shows there first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.labels import Labels
from monitoring.config import DEFAULT, Thresholds
from monitoring.drift import ALL
from scoring.metrics import expected_calibration_error, reliability_table


def matured(labels: Labels, probability: pd.Series, month: pd.Series) -> pd.DataFrame:
    """The matured leads: ``label`` (0/1), ``probability`` and ``month``, indexed by lead_id.

    ``probability`` and ``month`` are indexed by lead_id like ``labels.frame``.
    """
    return known_outcomes(labels.labelled["label"], probability, month)


def known_outcomes(label: pd.Series, probability: pd.Series, month: pd.Series) -> pd.DataFrame:
    """The leads whose ``label`` is known (not missing), with their probability and month; all
    three share one index (a flat export's label column gives ``label`` directly)."""
    known = label.dropna()
    return pd.DataFrame({"label": known.astype(int),
                         "probability": probability.reindex(known.index).astype(float),
                         "month": month.reindex(known.index)}, index=known.index)


def noise_ece(p: np.ndarray, bins: int, quantile: float, draws: int, seed: int) -> float:
    """The ``quantile`` of the ECE of a perfectly calibrated model on predictions ``p``: each
    band's conversions drawn as Binomial(leads, mean predicted) (``draws`` times, fixed seed;
    a binomial spreads at least as much as the sum of the band's own probabilities would)."""
    table = reliability_table(np.zeros(len(p)), p, bins)
    used = table[table["n"] > 0]
    n, mean_p = used["n"].to_numpy(), used["mean_predicted"].to_numpy()
    hits = np.random.default_rng(seed).binomial(n, mean_p, size=(draws, len(n)))
    ece = (np.abs(mean_p - hits / n) * n).sum(axis=1) / n.sum()
    return float(np.quantile(ece, quantile))


def rate_gap(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """(z, relative gap) of the converted count against the predicted one (see the docstring)."""
    expected, spread = float(p.sum()), float(np.sqrt(np.sum(p * (1 - p))))
    z = (float(y.sum()) - expected) / spread if spread > 0 else float("nan")
    return z, (float(y.sum()) - expected) / expected if expected > 0 else float("nan")


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    return float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else float("nan")


def realised_table(frame: pd.DataFrame, thresholds: Thresholds = DEFAULT) -> pd.DataFrame:
    """Per month and "all": matured leads, observed rate, mean predicted, ROC AUC, ECE, the ECE's
    noise level, the rate gap (``z``, ``rate_gap``), whether it is judged (enough leads) and
    flagged (ECE beyond both its limits, or the rate gap beyond both of its own)."""
    rows = []
    groups = [(ALL, frame)] + [(m, g) for m, g in frame.groupby("month", sort=True)]
    for key, group in groups:
        y, p = group["label"].to_numpy(), group["probability"].to_numpy()
        n = len(y)
        if n == 0:
            continue
        ece = expected_calibration_error(y, p, thresholds.ece_bins)
        noise = noise_ece(p, thresholds.ece_bins, thresholds.noise_quantile,
                          thresholds.noise_draws, thresholds.seed)
        z, gap = rate_gap(y, p)
        judged = n >= thresholds.min_leads_calibration
        off_ece = ece >= thresholds.ece_alert and ece > noise
        off_rate = abs(z) >= thresholds.rate_z_alert and abs(gap) >= thresholds.rate_gap_alert
        rows.append({"month": key, "n": n, "observed_rate": float(y.mean()),
                     "mean_predicted": float(p.mean()), "auc": _auc(y, p), "ece": ece,
                     "ece_noise": noise, "z": z, "rate_gap": gap, "judged": judged,
                     "flagged": bool(judged and (off_ece or off_rate))})
    return pd.DataFrame(rows, columns=["month", "n", "observed_rate", "mean_predicted", "auc",
                                       "ece", "ece_noise", "z", "rate_gap", "judged", "flagged"])


def bands(frame: pd.DataFrame, bins: int = Thresholds.ece_bins) -> pd.DataFrame:
    """Realised conversion per score band of all matured leads (empty bands left out)."""
    table = reliability_table(frame["label"].to_numpy(), frame["probability"].to_numpy(), bins)
    return table[table["n"] > 0].reset_index(drop=True)
