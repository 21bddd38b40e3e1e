"""The model card as MLflow shows it (``model_card.md`` of each run): what the model predicts, from
which data, how it did on the out-of-time test against the points score and the oracle, what
drives it. The typed card the code reads is ``scoring.card.ModelCard``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def procedure_text(metrics: dict[str, Any]) -> str:
    """How the published model was made and what the test metrics measure, in a few sentences."""
    folds = metrics.get("selection_folds", 1)
    text = (f"Chosen model `{metrics['chosen_model']}` by recalibrated validation log loss on "
            f"{folds} time-ordered fold{'s' if folds != 1 else ''} (each fitted on every lead "
            f"before its block), among candidates that include a default LogisticRegression, "
            f"the floor no model may rank below on the newest folds beyond noise. ")
    if metrics.get("default_chosen"):
        text += ("The default LogisticRegression was the best candidate: it is published, "
                 "calibrated. ")
    if metrics.get("chosen_half_life_days"):
        text += (f"Recent leads weigh more: half-life {metrics['chosen_half_life_days']:g} "
                 f"days. ")
    if "published_fit_rows" in metrics:
        text += (f"The published model is fitted on {metrics['published_fit_rows']:,} leads "
                 f"({metrics['published_fit_span']}) and calibrated ({metrics['calibration']}) "
                 f"on out-of-fold scores of the newest {metrics['published_calibration_rows']:,} "
                 f"({metrics['published_calibration_span']}); the test metrics measure the same "
                 f"procedure fitted on the {metrics['evaluation_fit_rows']:,} leads before the "
                 f"test period. ")
    if metrics.get("published_prior_shift_applied"):
        text += (f"Prior shift: the newest matured month ({metrics['published_prior_shift_month']}"
                 f") converted {metrics['published_prior_shift_observed']:.1%} where the "
                 f"calibrated model said {metrics['published_prior_shift_predicted']:.1%}; every "
                 f"lead's log-odds moved by {metrics['published_prior_shift_delta']:+.3f}. ")
    if "baseline_auc" in metrics:
        text += (f"A default LogisticRegression on the same leads gets ROC AUC "
                 f"{metrics['baseline_auc']:.3f}, ECE {metrics['baseline_ece']:.3f}. ")
    if metrics.get("calibration_worse_than_baseline"):
        text += (f"Warning: on the newest test month ({metrics['newest_month']}) the model is "
                 f"calibrated worse than that default beyond noise (ECE "
                 f"{metrics['test_ece_newest_month']:.3f} vs "
                 f"{metrics['baseline_ece_newest_month']:.3f}).")
    return text.strip()


def event_card_markdown(metrics: dict[str, Any], fp: dict[str, object],
                        importances: pd.DataFrame, horizon_days: int) -> str:
    """The MLflow model card (markdown) of an event-shape run."""
    rows = [("ROC AUC", "test_auc", "points_auc", "oracle_auc"),
            ("PR AUC", "test_pr_auc", "points_pr_auc", "oracle_pr_auc"),
            ("log loss", "test_log_loss", None, "oracle_log_loss"),
            ("Brier", "test_brier", None, "oracle_brier"),
            ("ECE", "test_ece", None, "oracle_ece"),
            ("top-decile lift", "test_top_decile_lift", "points_top_decile_lift",
             "oracle_top_decile_lift")]

    def cell(key: str | None) -> str:
        return f"{metrics[key]:.3f}" if key and key in metrics else "–"

    table = "\n".join(f"| {name} | {cell(m)} | {cell(p)} | {cell(o)} |" for name, m, p, o in rows)
    top = "\n".join(f"- {r.label} ({r.family}, {r.direction})" for r in importances.head(8)
                    .itertuples())
    return f"""# Lead conversion model

**Predicts** the probability that an MQL becomes an SQL within {horizon_days} days of its
MQL time, from what was known at that moment (point in time). {procedure_text(metrics)}

**Data**: {fp['n_leads']:,} leads, MQLs {fp['mql_from']} to {fp['mql_to']}, as of {fp['as_of']};
{metrics['n_labelled']:,} labelled, {fp['n_censored']:,} censored (left out),
{fp['n_rejected']:,} rejected rows. Fingerprint `{str(fp['sha256'])[:16]}`.
Split {metrics['split']}: train {metrics['n_train']:,}, valid {metrics['n_valid']:,},
test {metrics['n_test']:,} (newest).

## Out-of-time test
| metric | model | points score | oracle (true p) |
|---|---|---|---|
{table}

## What drives it
{top}

## Limits
Scores leads at MQL time; a lead scored much later carries more behaviour than the model saw in
training. Conversion means the SQL milestone within the horizon as recorded in `outcomes`.
"""


def flat_card_markdown(metrics: dict[str, Any], fp: dict[str, object],
                       importances: pd.DataFrame) -> str:
    """The MLflow model card (markdown) of a flat-export run; the leakage record is in
    ``metrics``."""
    leakage = metrics
    def cell(key: str) -> str:
        return f"{metrics[key]:.3f}" if key in metrics else "–"

    rows = "\n".join(f"| {name} | {cell('test_' + k)} | {cell('oracle_' + k)} |" for name, k in (
        ("ROC AUC", "auc"), ("PR AUC", "pr_auc"), ("log loss", "log_loss"), ("Brier", "brier"),
        ("ECE", "ece"), ("top-decile lift", "top_decile_lift")))
    top = "\n".join(f"- {r.label} ({r.direction})" for r in importances.head(8).itertuples())
    flags = "\n".join(f"- `{f['column']}` [{f['reason']}]: {f['evidence']}"
                      for f in leakage["leakage_flags"]) or "- none"
    return f"""# Lead conversion model (flat export)

**Predicts** P({fp['target']} = converted) for a row of a flat CRM export.
{procedure_text(metrics)}

**Data**: `{fp['source']}`, {fp['n_leads']:,} rows, {metrics['n_labelled']:,} labelled.
Fingerprint `{str(fp['sha256'])[:16]}`. Split {metrics['split']}: train {metrics['n_train']:,},
valid {metrics['n_valid']:,}, test {metrics['n_test']:,}.

## Test
| metric | model | oracle (true p) |
|---|---|---|
{rows}

## Leakage check
Dropped: {', '.join(leakage['dropped_columns']) or 'none'}; kept knowingly:
{', '.join(leakage['kept_columns']) or 'none'}.
{flags}

## What drives it
{top}
"""
