"""Split: out of time (oldest train, newest test); random only without time, with a warning."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from training.split import RANDOM_SPLIT_WARNING, make_split


def labelled_frame(n: int = 1000, with_time: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    times = pd.Timestamp("2025-01-01T00:00:00Z") + pd.to_timedelta(rng.integers(0, 500, n), "D")
    return pd.DataFrame({"scored_at": times if with_time else pd.NaT,
                         "label": (rng.random(n) < 0.2).astype(float)},
                        index=pd.Index([f"L{i:04d}" for i in range(n)], name="lead_id"))


def test_out_of_time_split_orders_train_valid_test():
    frame = labelled_frame()
    split = make_split(frame, 0.15, 0.2, seed=0)
    t = frame["scored_at"]
    assert split.kind == "out_of_time"
    assert t.loc[split.train].max() <= t.loc[split.valid].min()
    assert t.loc[split.valid].max() <= t.loc[split.test].min()
    assert (len(split.train), len(split.valid), len(split.test)) == (650, 150, 200)
    assert len(set(split.train) | set(split.valid) | set(split.test)) == len(frame)


def test_random_split_without_time_warns_and_stratifies(caplog):
    frame = labelled_frame(with_time=False)
    with caplog.at_level(logging.WARNING):
        split = make_split(frame, 0.15, 0.2, seed=0)
    assert split.kind == "random"
    assert RANDOM_SPLIT_WARNING in caplog.text
    rates = [frame.loc[part, "label"].mean() for part in (split.train, split.valid, split.test)]
    assert max(rates) - min(rates) < 0.02
    assert len(set(split.train) | set(split.valid) | set(split.test)) == len(frame)
