"""matplotlib on the Agg backend, and figures as PNG data URIs: for the plots training logs to
MLflow and the notebook shows (``training.plots``, ``training.compare``, ``training.explore``).

The report page itself draws no PNG: its charts are HTML/CSS bars (``report.bars``) and inline
SVG (``report.svg``), readable at any screen width.

Importing this module imports no matplotlib and selects no backend: ``pyplot()`` selects the
Agg backend (no screen needed) the first time a chart is drawn.
"""

from __future__ import annotations

import base64
import io
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
