"""Benchmark: the point-in-time feature pipeline on a large demo export.

Goal (issue 3): 100,000 leads with 5,000,000 activities in under 60 s and under 4 GiB on 2 cores.
The export is generated and written first in a separate process, so the peak memory printed is the
pipeline's own (load + validate + build_features), not the generator's.

    python benchmarks/bench_features.py [--leads 100000] [--activities-per-lead 50] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout too


def generate(out: Path, leads: int, per_lead: float) -> None:
    code = ("import sys; from demodata.files import write_demo; "
            f"write_demo({str(out)!r}, n_leads={leads}, seed=1, activities_per_lead={per_lead})")
    subprocess.run([sys.executable, "-c", code], check=True,
                   cwd=Path(__file__).resolve().parents[1])


def measure(data: Path) -> None:
    from features.build import build_features
    from features.contract import load_crm
    from features.table import lead_table

    t0 = time.perf_counter()
    crm = load_crm(data)
    t1 = time.perf_counter()
    features = build_features(crm.leads, crm.activities)
    t2 = time.perf_counter()
    table = lead_table(crm.leads, crm.activities)
    t3 = time.perf_counter()
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    n_leads, n_acts = len(crm.leads), len(crm.activities)
    print(f"leads {n_leads:,}  activities {n_acts:,}  features {features.shape[1]}  "
          f"table columns {table.shape[1]}")
    print(f"load + validate (CSV)   {t1 - t0:6.1f} s  {n_acts / (t1 - t0):>12,.0f} activities/s")
    print(f"build_features          {t2 - t1:6.1f} s  {n_acts / (t2 - t1):>12,.0f} activities/s")
    print(f"features+BANT+points    {t3 - t2:6.1f} s")
    print(f"load + build_features   {t2 - t0:6.1f} s  (goal < 60 s)")
    print(f"peak RSS                {peak_gib:6.2f} GiB (goal < 4 GiB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--leads", type=int, default=100_000)
    p.add_argument("--activities-per-lead", type=float, default=50.0)
    p.add_argument("--keep", type=Path, default=None, help="reuse/keep the export in this folder")
    p.add_argument("--measure-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure_only:
        measure(args.measure_only)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        if not (data / "leads.csv").exists():
            t0 = time.perf_counter()
            generate(data, args.leads, args.activities_per_lead)
            print(f"generated export in {time.perf_counter() - t0:.1f} s (not part of the goal)")
        subprocess.run([sys.executable, __file__, "--measure-only", str(data)], check=True)


if __name__ == "__main__":
    main()
