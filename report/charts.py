"""The report's charts: matplotlib figures (Agg backend) turned into PNG data URIs.

Each function takes a table of ``report.tables`` and returns a ``Figure``; ``data_uri``
embeds it in the page, so the report needs no file beside it and no network.

Importing this module imports no matplotlib and selects no backend: ``pyplot()`` selects the
Agg backend (no screen needed) the first time a chart is drawn.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from report.tables import FAMILY_GROUPS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

GROUP_COLOURS = {"Fit": "#3b6ea8", "Behaviour": "#e07b39", "Source": "#5a9e6f",
                 "BANT (declared)": "#8e6bb8", "Numbers": "#3b6ea8", "Yes / no": "#5a9e6f",
                 "Categories": "#e07b39", "Other": "#888888"}
FLAG_COLOURS = {"true": "#5a9e6f", "false": "#c8553d", "unknown": "#b8b8b8"}
BAR = "#3b6ea8"
POINTS = "#b8b8b8"
DPI = 100


@cache
def pyplot() -> ModuleType:
    """``matplotlib.pyplot`` on the Agg backend, selected once, on first use (not at import)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64,...`` URI; the figure is closed."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08)
    pyplot().close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _percent_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    formatter = PercentFormatter(1.0, decimals=0)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def importance_chart(importances: pd.DataFrame, top: int = 15,
                     family_groups: dict[str, str] | None = None) -> Figure:
    """Top features in business words, coloured by family group, with the direction of effect."""
    plt = pyplot()
    data = importances.head(top).iloc[::-1]
    groups = data["family"].map(family_groups or FAMILY_GROUPS).fillna("Other")
    fig, ax = plt.subplots(figsize=(9, 0.36 * len(data) + 1.3))
    values = data["importance"].clip(lower=0).to_numpy()
    ax.barh(data["label"], values, color=[GROUP_COLOURS.get(g, "#888888") for g in groups])
    arrows = {"up": "▲ more → likelier", "down": "▼ more → less likely", "mixed": "◆ depends"}
    for i, (value, direction) in enumerate(zip(values, data["direction"], strict=True)):
        ax.text(value, i, "  " + arrows.get(direction, ""), va="center", fontsize=8,
                color="#444444")
    ax.set_xlim(0, max(values.max(), 1e-9) * 1.45)
    ax.set(xlabel="importance (rise in log loss when the feature is shuffled)",
           title="What drives conversion (top features)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=GROUP_COLOURS[g])
               for g in dict.fromkeys(GROUP_COLOURS) if g in set(groups)]
    ax.legend(handles, [g for g in dict.fromkeys(GROUP_COLOURS) if g in set(groups)],
              loc="lower right", fontsize=8, title="family", title_fontsize=8)
    fig.tight_layout()
    return fig


def family_chart(families: pd.DataFrame) -> Figure:
    """Total importance per family group."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5, 2.6))
    data = families.iloc[::-1]
    ax.barh(data["group"], data["importance"],
            color=[GROUP_COLOURS.get(g, "#888888") for g in data["group"]])
    ax.set(xlabel="total importance", title="By family")
    fig.tight_layout()
    return fig


def conversion_chart(table: pd.DataFrame, segment_label: str, overall: float,
                     benchmark: float, rotate: bool = False) -> Figure:
    """Conversion rate per segment value, lead counts on the bars, overall and benchmark lines."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9 if rotate else 7, 3.6))
    x = np.arange(len(table))
    labels = table.iloc[:, 0].astype(str)
    ax.bar(x, table["rate"], color=BAR)
    for xi, (rate, n) in enumerate(zip(table["rate"], table["leads"], strict=True)):
        ax.text(xi, rate, f"{n:,}", ha="center", va="bottom", fontsize=7, color="#444444")
    ax.axhline(overall, color="#222222", lw=1, label=f"overall {overall:.1%}")
    ax.axhline(benchmark, color="#c8553d", ls="--", lw=1,
               label=f"benchmark {benchmark:.0%} (typical MQL→SQL)")
    ax.set_xticks(x, labels, rotation=45 if rotate else 20, ha="right", fontsize=8)
    _percent_axis(ax)
    ax.set(ylabel="conversion rate (SQLs / MQLs)",
           title=f"Conversion by {segment_label} (numbers: leads)")
    ax.set_ylim(0, max(float(table["rate"].max()), benchmark, overall) * 1.25)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig


def reliability_chart(bands: pd.DataFrame) -> Figure:
    """Predicted vs observed conversion per score band; the diagonal is a perfect score."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 4.8))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfectly calibrated")
    ax.plot(bands["mean_predicted"], bands["observed_rate"], marker="o", color=BAR,
            label="model (per score band)")
    for row in bands.itertuples():
        ax.annotate(f"{row.leads:,}", (row.mean_predicted, row.observed_rate), fontsize=7,
                    textcoords="offset points", xytext=(5, -10))
    top = min(1.0, max(float(bands["mean_predicted"].max()),
                       float(bands["observed_rate"].max())) * 1.15 + 0.02)
    ax.set(xlim=(0, top), ylim=(0, top), xlabel="predicted probability",
           ylabel="observed conversion rate", title="How far to trust the score")
    _percent_axis(ax, "x")
    _percent_axis(ax, "y")
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def lift_chart(lift: pd.DataFrame, overall: float) -> Figure:
    """Conversion per decile for the model and the points score (if any) side by side."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    names = [c for c in lift.columns if c != "decile"]
    width = 0.8 / len(names)
    colours = [BAR, POINTS, "#e07b39"]
    for i, name in enumerate(names):
        ax.bar(lift["decile"] + (i - (len(names) - 1) / 2) * width, lift[name], width,
               label=name, color=colours[i % len(colours)])
    ax.axhline(overall, ls="--", color="#222222", lw=1, label=f"overall {overall:.1%}")
    ax.set(xlabel="decile of leads by score (1 = top 10%)", ylabel="conversion rate",
           title=("Model vs points score: conversion per decile" if len(names) > 1
                  else "The model: conversion per decile"), xticks=lift["decile"])
    _percent_axis(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def bant_share_chart(bant: pd.DataFrame) -> Figure:
    """Share of leads with each BANT flag true, false or unknown (stacked bars)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 2.8))
    flags = list(dict.fromkeys(bant["flag"]))[::-1]
    left = np.zeros(len(flags))
    for value, colour in FLAG_COLOURS.items():
        share = [float(bant.loc[(bant["flag"] == f) & (bant["value"] == value), "share"].sum())
                 for f in flags]
        ax.barh(flags, share, left=left, color=colour, label=value)
        for i, s in enumerate(share):
            if s >= 0.06:
                ax.text(left[i] + s / 2, i, f"{s:.0%}", ha="center", va="center", fontsize=8)
        left += share
    ax.set(xlim=(0, 1), title="BANT flags: share of leads")
    _percent_axis(ax, "x")
    ax.legend(ncol=3, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.tight_layout()
    return fig


def bant_rate_chart(bant: pd.DataFrame, overall: float) -> Figure:
    """Conversion rate by BANT flag value (grouped bars)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    flags = list(dict.fromkeys(bant["flag"]))
    x = np.arange(len(flags))
    width = 0.26
    for i, (value, colour) in enumerate(FLAG_COLOURS.items()):
        rates = [float(bant.loc[(bant["flag"] == f) & (bant["value"] == value), "rate"].sum())
                 for f in flags]
        ax.bar(x + (i - 1) * width, rates, width, color=colour, label=value)
    ax.axhline(overall, ls="--", color="#222222", lw=1, label=f"overall {overall:.1%}")
    ax.set_xticks(x, flags)
    _percent_axis(ax)
    ax.set(ylabel="conversion rate", title="Conversion by BANT flag value")
    ax.legend(fontsize=8, ncol=4)
    fig.tight_layout()
    return fig

