"""Benchmark: one full training run (features + candidates + calibration + MLflow logging).

Goals (issue 4): the default demo in under 2 minutes, 100,000 leads in under 5 minutes, 2 cores.
Each size is generated first (not timed), then trained in its own embedded MLflow store.

    python benchmarks/bench_train.py [--leads 20000 100000]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout too


def run_one(n: int, folder: Path) -> tuple:
    """Generate ``n`` leads into ``folder`` (not timed) and train there (timed)."""
    from demodata.files import write_demo
    from training.train import train

    data = folder / "data"
    write_demo(data, n_leads=n, seed=42)
    start = time.perf_counter()
    steps: list[tuple[float, str]] = []
    result = train(data, workdir=folder, models_dir=folder / "models",
                   progress=lambda line: steps.append((time.perf_counter(), line)))
    seconds = time.perf_counter() - start
    print(f"--- {n:,} leads: {seconds:.1f} s")
    previous = start
    for stamp, line in steps:
        print(f"  +{stamp - previous:6.1f}s  {line}")
        previous = stamp
    m = result.metrics
    return (n, seconds, m["chosen_model"], m["test_auc"], m.get("oracle_auc"), m["points_auc"],
            m["test_ece"])


def main() -> None:
    from demodata.events import DEFAULT_LEADS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--leads", type=int, nargs="+", default=[DEFAULT_LEADS, 100_000])
    args = p.parse_args()
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    logging.basicConfig(level=logging.WARNING)
    # One parent folder for the whole run: deleting the first store before training the second
    # in the same process made MLflow fail with "attempt to write a readonly database".
    with tempfile.TemporaryDirectory() as parent:
        rows = [run_one(n, Path(parent) / f"leads_{n}") for n in args.leads]
    print(f"{'leads':>8} {'seconds':>8} {'model':>14} {'auc':>6} {'oracle':>6} {'points':>6} "
          f"{'ece':>6}")
    for n, s, model, auc, oracle, points, ece in rows:
        print(f"{n:>8,} {s:>8.1f} {model:>14} {auc:>6.3f} {oracle or float('nan'):>6.3f} "
              f"{points:>6.3f} {ece:>6.3f}")


if __name__ == "__main__":
    main()
