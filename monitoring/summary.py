"""The monitor's verdict and its JSON summary.

Healthy (exit code 0) unless a judged month (or the whole export) shows a feature or the score
with PSI at ``psi_alert`` or more, a judged month's ECE beyond its limits, or the realised AUC
of all matured leads clearly below the champion's test AUC (``monitoring.config``); then exit
code 1, with one reason per finding naming the feature and its months. Errors (no champion, no
profile, unreadable data) are ``leadconv monitor``'s exit code 2.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from monitoring.config import Thresholds
from monitoring.drift import ALL
from scoring.profile import SCORE, ReferenceProfile

HEALTHY, UNHEALTHY = 0, 1


def _months(rows: pd.DataFrame) -> list[str]:
    months = [m for m in rows["month"] if m != ALL]
    return months or [ALL]


def drift_reasons(drift: pd.DataFrame) -> list[dict[str, Any]]:
    """One finding per column that drifted in a judged month (or over the whole export)."""
    found = drift[drift["level"] == "drift"]
    out = []
    for column, rows in found.groupby("column", sort=False):
        worst = rows.loc[rows["psi"].idxmax()]
        months = _months(rows)
        kind = "score_drift" if column == SCORE else "input_drift"
        what = "the score distribution" if column == SCORE else f"feature {column!r}"
        out.append({"kind": kind, "column": str(column), "months": months,
                    "max_psi": float(worst["psi"]),
                    "message": f"{what} drifted: PSI {worst['psi']:.2f} in {worst['month']} "
                               f"(>= alert level), months {', '.join(months)}"})
    return sorted(out, key=lambda r: -r["max_psi"])


def calibration_reasons(realised: pd.DataFrame, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Months (and "all") whose matured leads are miscalibrated beyond the limits."""
    flagged = realised[realised["flagged"]]
    if flagged.empty:
        return []
    worst = flagged.loc[flagged["z"].abs().idxmax()]
    months = _months(flagged)
    return [{"kind": "calibration", "months": months, "max_ece": float(flagged["ece"].max()),
             "message": f"calibration off: in {worst['month']} {worst['observed_rate']:.1%} "
                        f"converted vs {worst['mean_predicted']:.1%} predicted ({worst['z']:+.1f} "
                        f"sd), ECE {worst['ece']:.3f} (limit {thresholds.ece_alert:.2f}, noise "
                        f"{worst['ece_noise']:.3f}); months {', '.join(months)}"}]


def ranking_reasons(realised: pd.DataFrame, card_metrics: dict[str, Any],
                    thresholds: Thresholds) -> list[dict[str, Any]]:
    """The realised AUC of all matured leads, if clearly below the champion's test AUC."""
    whole = realised[realised["month"] == ALL]
    test_auc = card_metrics.get("test_auc")
    if whole.empty or not isinstance(test_auc, (int, float)) or not whole["judged"].iloc[0]:
        return []
    auc = float(whole["auc"].iloc[0])
    low = card_metrics.get("test_auc_ci_low", test_auc)
    if math.isnan(auc) or auc > test_auc - thresholds.auc_drop_alert or auc >= low:
        return []
    return [{"kind": "ranking", "months": [ALL], "auc": auc, "test_auc": float(test_auc),
             "message": f"ranking worse: realised ROC AUC {auc:.3f} vs {test_auc:.3f} on the "
                        f"champion's test leads (95% interval from {low:.3f})"}]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        return v.item() if hasattr(v, "item") else v
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def summarise(model: dict[str, Any], profile: ReferenceProfile, data: dict[str, Any],
              drift: pd.DataFrame, realised: pd.DataFrame, bands: pd.DataFrame,
              card_metrics: dict[str, Any], thresholds: Thresholds) -> dict[str, Any]:
    """The whole summary (JSON-able): verdict, reasons, thresholds and every table."""
    reasons = (drift_reasons(drift) + calibration_reasons(realised, thresholds)
               + ranking_reasons(realised, card_metrics, thresholds))
    drifted = {r["column"] for r in reasons if "column" in r}
    watch = drift[(drift["level"] == "watch") & ~drift["column"].isin(drifted)]
    return {
        "status": "healthy" if not reasons else "attention",
        "exit_code": HEALTHY if not reasons else UNHEALTHY,
        "reasons": reasons,
        "watch": sorted({str(c) for c in watch["column"]}),
        "model": model,
        "reference": {"period_start": profile.period_start, "period_end": profile.period_end,
                      "n_leads": profile.n_leads, "label_rate": profile.label_rate},
        "data": data,
        "thresholds": dict(vars(thresholds)),
        "drift": _records(drift),
        "realised": _records(realised),
        "bands": _records(bands),
    }
