"""Out-of-time split: train on the oldest leads, validate on the next, test on the newest.

A random split lets the model peek at the future (seasonality, campaigns, drift) and flatters it;
it is only used when the data has no time, with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from sklearn.model_selection import train_test_split

logger = logging.getLogger(__name__)

RANDOM_SPLIT_WARNING = ("the data has no usable time column: using a random stratified split, "
                        "which flatters the model (it sees the future); out-of-time metrics will "
                        "be worse")


@dataclass(frozen=True)
class Split:
    """Lead ids of each part, and how the split was made."""

    train: pd.Index
    valid: pd.Index
    test: pd.Index
    kind: str  # "out_of_time" or "random"
    boundaries: dict[str, str]

    def sizes(self) -> dict[str, int]:
        return {"n_train": len(self.train), "n_valid": len(self.valid), "n_test": len(self.test)}


def out_of_time_split(scored_at: pd.Series, valid_fraction: float, test_fraction: float) -> Split:
    """Split lead ids (the index of ``scored_at``) by time, oldest first.

    Leads with the same timestamp never straddle a boundary out of order: the sort is stable on
    (time, lead_id), so every train moment is <= every valid moment <= every test moment.
    """
    order = pd.DataFrame({"t": scored_at.to_numpy(), "id": scored_at.index}).sort_values(
        ["t", "id"], kind="stable")
    n = len(order)
    n_test = int(round(n * test_fraction))
    n_valid = int(round(n * valid_fraction))
    n_train = n - n_valid - n_test
    ids = pd.Index(order["id"].to_numpy(), name=scored_at.index.name)
    times = order["t"].to_numpy()
    parts = {"train": ids[:n_train], "valid": ids[n_train:n_train + n_valid],
             "test": ids[n_train + n_valid:]}

    def span(a: int, b: int) -> str:
        return f"{pd.Timestamp(times[a]).date()} .. {pd.Timestamp(times[b - 1]).date()}"

    boundaries = {"train": span(0, n_train), "valid": span(n_train, n_train + n_valid),
                  "test": span(n_train + n_valid, n)}
    return Split(parts["train"], parts["valid"], parts["test"], "out_of_time", boundaries)


def random_split(labels: pd.Series, valid_fraction: float, test_fraction: float,
                 seed: int) -> Split:
    """Stratified random split of lead ids (the index of ``labels``), with a warning."""
    logger.warning("%s", RANDOM_SPLIT_WARNING)
    ids = labels.index.to_numpy()
    rest, test = train_test_split(ids, test_size=test_fraction, stratify=labels.to_numpy(),
                                  random_state=seed)
    rest_labels = labels.loc[rest].to_numpy()
    train, valid = train_test_split(rest, test_size=valid_fraction / (1 - test_fraction),
                                    stratify=rest_labels, random_state=seed)
    name = labels.index.name
    return Split(pd.Index(train, name=name), pd.Index(valid, name=name), pd.Index(test, name=name),
                 "random", {"train": "random", "valid": "random", "test": "random"})


def make_split(labelled: pd.DataFrame, valid_fraction: float, test_fraction: float,
               seed: int) -> Split:
    """Out of time when ``scored_at`` is known for every lead and spans time, else random."""
    times = labelled["scored_at"]
    if times.notna().all() and times.nunique() > 1:
        return out_of_time_split(times, valid_fraction, test_fraction)
    return random_split(labelled["label"], valid_fraction, test_fraction, seed)


__all__ = ["Split", "make_split", "out_of_time_split", "random_split"]
