"""``leadconv score`` in process vs ``--engine spark`` (local mode): CPU-seconds, wall time,
peak memory of the driver, for two export sizes, and how each grows.

    python benchmarks/bench_spark.py [--workdir W] [--leads 20000 200000] [--master local[2]]
                                     [--buckets N]

Each run is a fresh ``python -m cli.main score ...`` process (so Spark's start-up is counted, as a
user pays it). CPU-seconds are the user + system time of that process and everything it started
(Spark's JVM and its Python workers), from ``resource.getrusage(RUSAGE_CHILDREN)`` around the
run: the script makes itself a child subreaper (``prctl``), so the JVM and its Python daemon,
orphaned when the driver exits, are reaped here and counted. The driver's peak resident memory
is its own ``ru_maxrss``, printed by the process at exit (the JVM's is not included).
The prediction log is off in both runs (``LEADCONV_DATABASE_URL=off``): Spark does not write it.

The workdir (default: a new temporary folder, printed, reusable) holds ``data<N>/`` (demo
exports, ``leadconv demo-data --seed 1``) and ``models/champion`` (``leadconv train`` on the
first size). Both engines' score files are compared: the largest probability difference and
the number of differing fields are printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WRAPPER = ("import resource, sys; from cli.main import main; rc = main(sys.argv[1:]); "
           "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
           "file=sys.stderr)\n"
           "if 'pyspark' in sys.modules:\n"
           "    from pyspark.sql import SparkSession\n"
           "    active = SparkSession.getActiveSession()\n"
           "    active.stop() if active is not None else None\n"
           "sys.exit(rc)")
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphaned descendants (Spark's JVM once the driver exits, its Python daemon) become our
    children, so their CPU time reaches ``RUSAGE_CHILDREN`` when we reap them."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("warning: could not become a subreaper: the JVM's CPU time may be missing")


def reap_all(timeout: float = 180.0) -> None:
    """Wait for every descendant left behind (and so collect its CPU time)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                print("warning: descendants still running after the run; their CPU is missing")
                return
            time.sleep(0.2)


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(wall seconds, CPU seconds with every descendant, driver peak RSS in KiB, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *argv], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - start
    reap_all()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        causes = [line for line in done.stderr.splitlines()
                  if ("Error" in line or "Exception" in line) and not line.startswith("\tat ")]
        sys.exit(f"failed: {' '.join(argv)}\n{done.stdout[-2000:]}\n" + "\n".join(causes[:20]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    rss = next(int(line.split()[1]) for line in done.stderr.splitlines()
               if line.startswith("MAXRSS_KB"))
    return wall, cpu, rss, done.stdout


def cli(argv: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "cli.main", *argv], check=True, env=env, cwd=ROOT)


def compare(a: Path, b: Path) -> tuple[float, int]:
    """Largest probability difference and number of other differing fields of two score files."""
    x, y = pd.read_parquet(a), pd.read_parquet(b)
    assert list(x.columns) == list(y.columns) and len(x) == len(y)
    diff = float(np.max(np.abs(x["probability"].to_numpy() - y["probability"].to_numpy())))
    others = [c for c in x.columns if c != "probability"]
    mismatches = int(sum((x[c].astype("str") != y[c].astype("str")).sum() for c in others))
    return diff, mismatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--leads", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--buckets", type=int, default=None)
    parser.add_argument("--engines", nargs="+", default=["pandas", "spark"],
                        choices=["pandas", "spark"])
    args = parser.parse_args()
    become_subreaper()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench_spark_"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"workdir {work}")
    env = {**os.environ, "LEADCONV_DATABASE_URL": "off", "MLFLOW_DISABLE_TELEMETRY": "true",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "XDG_CONFIG_HOME": str(work / "config")}
    env.pop("MLFLOW_TRACKING_URI", None)
    for n in args.leads:
        if not (work / f"data{n}" / "leads.csv").exists():
            cli(["demo-data", "--out", str(work / f"data{n}"), "--leads", str(n), "--seed", "1"],
                env)
    if not (work / "models" / "champion").exists():
        cli(["train", "--data", str(work / f"data{args.leads[0]}"), "--workdir", str(work),
             "--models-dir", str(work / "models"), "--promote"], env)
    rows = []
    for n in args.leads:
        data = work / f"data{n}"
        acts = sum(1 for _ in (data / "activities.csv").open()) - 1
        for engine in args.engines:
            out = work / f"scores_{engine}_{n}.parquet"
            argv = ["score", "--data", str(data), "--out", str(out), "--models-dir",
                    str(work / "models"), "--all-leads"]  # every lead, both engines
            if engine == "spark":
                argv += ["--engine", "spark", "--spark-master", args.master]
                if args.buckets:
                    argv += ["--buckets", str(args.buckets)]
            wall, cpu, rss, _ = run(argv, env)
            rows.append({"leads": n, "activities": acts, "engine": engine, "wall_s": wall,
                         "cpu_s": cpu, "driver_peak_rss_gb": rss / 2**20})
            print(f"{n:>8,} leads {engine:>6}: wall {wall:7.1f}s  CPU {cpu:7.1f}s  driver peak "
                  f"RSS {rss / 2**20:5.2f} GB", flush=True)
        if not all((work / f"scores_{e}_{n}.parquet").exists() for e in ("pandas", "spark")):
            continue
        diff, mismatches = compare(work / f"scores_pandas_{n}.parquet",
                                   work / f"scores_spark_{n}.parquet")
        print(f"{n:>8,} leads: spark vs in process: max probability difference {diff:.1e}, "
              f"other fields differing {mismatches}", flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if len(args.leads) > 1 and len(args.engines) == 2:
        first, last = args.leads[0], args.leads[-1]
        for engine in ("pandas", "spark"):
            own = table[table["engine"] == engine].set_index("leads")
            growth = {k: own[k][last] / own[k][first]
                      for k in ("cpu_s", "wall_s", "driver_peak_rss_gb")}
            print(f"{engine}: x{last / first:g} leads -> CPU x{growth['cpu_s']:.1f}, wall "
                  f"x{growth['wall_s']:.1f}, driver RSS x{growth['driver_peak_rss_gb']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
