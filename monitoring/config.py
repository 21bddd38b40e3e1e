"""The monitor's thresholds, in one place (``leadconv monitor`` and the tests read them here).

Population stability index (PSI): below ``psi_watch`` the population is stable, from
``psi_watch`` to ``psi_alert`` it is worth watching (reported, exit 0), at ``psi_alert`` or
more it has shifted (exit 1). These are the usual credit-scoring rules of thumb (0.1 / 0.25).

Calibration is flagged when the expected calibration error (ECE) of the matured leads is at least
``ece_alert`` AND above what a perfectly calibrated model would show on those same leads by chance
in 999 of 1,000 draws (``noise_quantile``): a small month is noisy, and noise is not drift (at
0.99, a sound champion drew a false alarm on a normal demo export).

Calibration is also flagged when the matured leads of a month convert at a rate far from the one
predicted: at least ``rate_gap_alert`` apart relative to the predicted rate (0.2: 20% fewer or more
SQLs than predicted) AND ``rate_z_alert`` standard deviations of what a calibrated model would
give (3: about 3 in 1,000 months by chance). A shift of the base conversion rate shows here first.

Ranking is flagged when the realised ROC AUC of all matured leads is more than ``auc_drop_alert``
below the champion's out-of-time test AUC and below the lower end of its 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """What counts as drift or miscalibration, and how many leads it takes to judge."""

    psi_watch: float = 0.10
    psi_alert: float = 0.25
    ece_alert: float = 0.05
    rate_gap_alert: float = 0.20
    rate_z_alert: float = 3.0
    auc_drop_alert: float = 0.05
    min_leads_drift: int = 200  # leads in a month for its PSI to be judged
    min_leads_calibration: int = 300  # matured leads in a month for its ECE to be judged
    ece_bins: int = 10  # equal-width score bands, as in training (scoring.metrics)
    noise_quantile: float = 0.999
    noise_draws: int = 4000
    psi_floor: float = 1e-4  # the share an empty bin counts as (PSI takes logs)
    seed: int = 0  # of the noise draws: the same data gives the same verdict


DEFAULT = Thresholds()
