"""Evaluation plots as matplotlib figures (Agg backend; no screen needed). Logged by ``track``.

Importing this module selects no backend: ``report.charts.pyplot`` selects Agg the first time a
figure is drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve, roc_curve

from report.charts import pyplot

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def reliability_figure(table: pd.DataFrame,
                       title: str = "Reliability (out-of-time test)") -> Figure:
    """Mean predicted vs observed rate per bin; the diagonal is perfect calibration."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    used = table[table["n"] > 0]
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
    ax.plot(used["mean_predicted"], used["observed_rate"], marker="o", label="model")
    for row in used.itertuples():
        ax.annotate(f"{row.n}", (row.mean_predicted, row.observed_rate), fontsize=7,
                    textcoords="offset points", xytext=(4, -10))
    ax.set(xlabel="predicted probability", ylabel="observed conversion rate", title=title,
           xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")
    fig.tight_layout()
    return fig


def roc_pr_figure(y: np.ndarray, curves: dict[str, np.ndarray]) -> Figure:
    """ROC and precision-recall curves for each named score (model, points, oracle)."""
    plt = pyplot()
    fig, (roc_ax, pr_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
    for name, score in curves.items():
        fpr, tpr, _ = roc_curve(y, score)
        roc_ax.plot(fpr, tpr, label=name)
        precision, recall, _ = precision_recall_curve(y, score)
        pr_ax.plot(recall, precision, label=name)
    roc_ax.plot([0, 1], [0, 1], ls="--", color="grey")
    roc_ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    pr_ax.axhline(np.mean(y), ls="--", color="grey", label="base rate")
    pr_ax.set(xlabel="recall", ylabel="precision", title="Precision-recall")
    roc_ax.legend(loc="lower right")
    pr_ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def lift_figure(y: np.ndarray, curves: dict[str, np.ndarray], groups: int = 10) -> Figure:
    """Conversion rate per score decile (1 = highest scores) for each named score."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    width = 0.8 / max(1, len(curves))
    rng = np.random.default_rng(0)
    for i, (name, score) in enumerate(curves.items()):
        order = np.lexsort((rng.random(len(score)), -np.asarray(score, dtype=float)))
        rates = [np.mean(np.asarray(y)[part]) for part in np.array_split(order, groups)]
        ax.bar(np.arange(1, groups + 1) + (i - (len(curves) - 1) / 2) * width, rates, width,
               label=name)
    ax.axhline(np.mean(y), ls="--", color="grey", label="overall rate")
    ax.set(xlabel="score decile (1 = top 10%)", ylabel="conversion rate", title="Lift by decile",
           xticks=range(1, groups + 1))
    ax.legend()
    fig.tight_layout()
    return fig


def importance_figure(importances: pd.DataFrame, top: int = 20) -> Figure:
    """Horizontal bars of the top features by importance, labelled in business words."""
    data = importances.head(top).iloc[::-1]
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(data) + 1.2))
    ax.barh(data["label"], data["importance"], color="#3b6ea8")
    ax.set(xlabel="importance (increase in log loss when shuffled)",
           title="What drives the prediction")
    fig.tight_layout()
    return fig
