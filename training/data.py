"""What a training run needs from its data, whatever the shape: the contract between the data
adapters (``training.event_data`` for an event-shape folder, ``training.flat_data`` for a flat
export) and the one shared run (``training.train``).

An adapter loads and labels its data (``load``), builds the model inputs once the split is known
(``features``: a flat export learns its category vocabularies on the training rows), runs the
leakage check that fits its shape (``leakage``), forgets the columns the check dropped
(``drop``), and describes itself for the metrics, the model card, MLflow and the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from features.leakage import LeakageFlag
from scoring.card import ModelCard
from training.split import Split

if TYPE_CHECKING:
    from training.config import TrainConfig

Progress = Callable[[str], None]


class TooLittleData(ValueError):
    """There is not enough labelled history to learn from; the message says what is missing."""


@dataclass
class Labelled:
    """The labelled leads: ``scored_at`` (UTC or NaT) and ``label`` (0/1), indexed by lead id."""

    frame: pd.DataFrame

    @property
    def y(self) -> pd.Series:
        return self.frame["label"].astype(int)

    def counts(self) -> tuple[int, int]:
        """(converted, not converted)."""
        labels = self.frame["label"]
        return int(labels.sum()), int((labels == 0).sum())


@dataclass
class Prepared:
    """Model inputs and labels of the labelled leads, split, with what the shape adds.

    ``points`` (the rule-based score) and ``groups`` (slices by lead source) exist for the event
    shape only; ``p_true`` for demo data only (the oracle). ``features`` is the whole feature
    table of the labelled leads (event shape), from which the report takes its segments.
    """

    x: pd.DataFrame
    y: pd.Series
    split: Split
    numeric: list[str]
    categorical: list[str]
    points: pd.Series | None = None
    groups: pd.Series | None = None
    p_true: pd.Series | None = None
    labels: Any = None
    features: pd.DataFrame | None = None
    scored_at: pd.Series | None = None  # each lead's scoring moment (UTC; NaT when unknown)

    @property
    def by_time(self) -> bool:
        """Whether the leads are split (and refitted) in time order: out of time, with each
        lead's scoring moment known."""
        return self.split.kind == "out_of_time" and self.scored_at is not None

    def part(self, name: str) -> tuple[pd.DataFrame, np.ndarray]:
        """Inputs and labels of ``train``, ``valid`` or ``test``."""
        ids = getattr(self.split, name)
        return self.x.loc[ids], self.y.loc[ids].to_numpy()

    def truth(self, ids: pd.Index) -> np.ndarray | None:
        """The true probabilities of ``ids`` when every one of them is known, else None."""
        if self.p_true is None:
            return None
        values = self.p_true.reindex(ids).to_numpy()
        return None if pd.isna(values).any() else values


class DataAdapter(Protocol):
    """One data shape, as the shared run sees it (see the module docstring)."""

    shape: str
    split_step: str  # the progress step that prints the split ("[4/7]")

    def load(self, cfg: TrainConfig, progress: Progress) -> Labelled: ...

    def features(self, labelled: Labelled, split: Split, progress: Progress) -> Prepared: ...

    def leakage(self, prepared: Prepared, cfg: TrainConfig
                ) -> tuple[list[LeakageFlag], list[str]]: ...

    def drop(self, dropped: list[str]) -> None: ...

    def facts(self) -> dict[str, Any]: ...

    def fingerprint(self, prepared: Prepared) -> dict[str, object]: ...

    def card(self, prepared: Prepared, leakage: dict[str, Any]) -> ModelCard: ...

    def card_markdown(self, metrics: dict[str, Any], fp: dict[str, object],
                      importances: pd.DataFrame, cfg: TrainConfig) -> str: ...

    def mlflow_extras(self, leakage: dict[str, Any]
                      ) -> tuple[dict[str, str], dict[str, Any]]: ...

    def catalog(self) -> pd.DataFrame | None: ...

    def input_example(self, prepared: Prepared, n: int = 5) -> pd.DataFrame: ...

    def data_name(self) -> str: ...

    def report(self, prepared: Prepared, p_test: np.ndarray, importances: pd.DataFrame,
               card: ModelCard, model: Any) -> str:
        """The report of the run; ``model`` made ``p_test`` (the evaluated model)."""
        ...


def check_enough(converted: int, unconverted: int, cfg: TrainConfig, what: str,
                 more: str = "", advice: str = "") -> None:
    """Refuse to train below the configured minimum of converted and unconverted leads."""
    if converted < cfg.min_positives or unconverted < cfg.min_negatives:
        raise TooLittleData(
            f"too little labelled history to learn from: {converted} converted and "
            f"{unconverted} unconverted {what} (need at least {cfg.min_positives} and "
            f"{cfg.min_negatives}{more}){advice}")
