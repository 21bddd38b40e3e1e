"""Benchmark of the demo generator: generate in memory, then generate + write the CSVs.

    python benchmarks/bench_demo.py --leads 50000 --activities-per-lead 30

Prints leads, activities, seconds, activities per second and peak RSS. Not a test.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from demodata.events import generate_demo  # noqa: E402
from demodata.files import write_demo  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=50_000)
    parser.add_argument("--activities-per-lead", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:  # warm-up: lazy imports, caches
        write_demo(folder, 1000, seed=args.seed)
    start = time.perf_counter()
    data = generate_demo(args.leads, seed=args.seed, activities_per_lead=args.activities_per_lead)
    generate_s = time.perf_counter() - start
    n_acts = len(data.activities)
    print(f"generate_demo: {args.leads:,} leads, {n_acts:,} activities in {generate_s:.2f} s "
          f"({n_acts / generate_s:,.0f} activities/s)")
    del data

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        write_demo(folder, args.leads, seed=args.seed, activities_per_lead=args.activities_per_lead)
        write_s = time.perf_counter() - start
        size_mb = sum(p.stat().st_size for p in Path(folder).iterdir()) / 1024**2
    print(f"write_demo (generate + write CSVs): {write_s:.2f} s, {size_mb:,.1f} MB written "
          f"({n_acts / write_s:,.0f} activities/s; writing alone ~{write_s - generate_s:.2f} s)")
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
