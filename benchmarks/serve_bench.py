# ruff: noqa: T201  (a benchmark script reports with print)
"""Benchmark: our predict service against `mlflow models serve` on the same champion.

Issue 5 "Performance". Both servers run on this machine at the same time, each with one worker
and native threads pinned to 1 (OMP/OpenBLAS/MKL), on 127.0.0.1. Each is then driven, one after
the other, by the same concurrent client (``--concurrency`` threads sending back-to-back requests
for ``--duration`` seconds) with one-lead requests and with batches (``--leads 1 100``), built
from real demo leads. Only 200 responses count towards throughput and latency; anything else is
counted and printed. Then scoring is timed in process (no HTTP).

Goals: one-lead throughput >= 3x mlflow's and p99 <= 1/3 of mlflow's; in-process scoring of one
lead <= 5 ms p99; a 1,000-lead batch <= 300 ms.

Both receive raw leads with their activities: mlflow's server runs the registered pyfunc
(``scoring.pyfunc``: the data contract, then the same ``Scorer``), ours the service's path.

    python benchmarks/serve_bench.py [--workdir W] [--duration 20] [--concurrency 4]
                                     [--leads 1 100] [--skip-mlflow] [--in-process-only]
                                     [--with-log [--log-url URL]] [--rounds N]

``--with-log`` runs our service twice, without and with the prediction log (issue 14: the
one-lead p99 with the log within 10% of without), instead of mlflow's server. ``--rounds N``
runs each scenario N times, alternating which server goes first (A B, B A, ...), so that a
machine that gets slower or faster during the run does not favour one of them; the table pools
the rounds' requests, and ``--with-log`` prints each round's ratios and their median.

Without ``--workdir`` a temporary folder is used; a folder without a trained model gets the demo
export (20,000 leads, seed 42) and a model trained on it first (a few minutes). The folder is kept,
so the next run can reuse it with ``--workdir``.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # before numpy/sklearn load: same pinning as the servers

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

API_KEY = "benchkey"
MODEL_URI = "models:/lead-conversion@champion"
DEMO_LEADS = 20_000
DEMO_SEED = 42
POOL_SIZE = 2_000  # distinct demo leads the requests cycle through
WARMUP_REQUESTS = 10  # per server and batch size, sequential
REQUEST_TIMEOUT_S = 60.0
MAX_REQUESTS_PER_WORKER = 1_000_000  # a bound on the client loop besides the clock
PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
LEAD_FIELDS = ("lead_id", "mql_at", "source", "industry", "company_size", "annual_revenue",
               "country", "job_title", "department", "budget", "purchase_timeframe",
               "pain_point")
GOAL_THROUGHPUT_RATIO = 3.0
GOAL_P99_RATIO = 1 / 3
GOAL_ONE_LEAD_P99_MS = 5.0
GOAL_BATCH_1000_MS = 300.0


# --------------------------------------------------------------------------- workdir and data

def run_cli(args: list[str], env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "cli.main", *args]
    print("  $ python " + " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, cwd=REPO, env=env, check=True)


def prepare_workdir(workdir: Path) -> None:
    """Demo export in ``workdir/data`` and a trained champion in ``workdir``, made if missing."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    data = workdir / "data"
    if not (data / "leads.csv").exists() and not (data / "leads.parquet").exists():
        print(f"no demo export in {data}: generating one ({DEMO_LEADS:,} leads, seed {DEMO_SEED})",
              flush=True)
        run_cli(["demo-data", "--out", str(data), "--leads", str(DEMO_LEADS),
                 "--seed", str(DEMO_SEED)], env)
    if not ((workdir / "models" / "champion").is_dir() and (workdir / "mlflow.db").exists()):
        print(f"no trained model in {workdir}: training one first (takes a few minutes)",
              flush=True)
        t0 = time.perf_counter()
        run_cli(["train", "--data", str(data), "--workdir", str(workdir), "--promote-if-better",
                 "--models-dir", str(workdir / "models")], env)
        print(f"trained in {time.perf_counter() - t0:.0f} s (not part of the benchmark)",
              flush=True)


def iso(value: Any) -> str:
    return value.isoformat().replace("+00:00", "Z")


@dataclass
class Pool:
    """Demo leads (contract-normalised) with their activities up to the scoring moment."""

    leads: Any  # pd.DataFrame, one row per lead
    activities: Any  # pd.DataFrame
    at: Any  # pd.Series of scoring moments by lead_id (= mql_at, the training moment)
    ours: list[dict[str, Any]] = field(default_factory=list)  # one request lead per row
    features: list[list[Any]] = field(default_factory=list)  # one raw pyfunc row per lead
    columns: list[str] = field(default_factory=list)


def load_pool(workdir: Path, size: int) -> Pool:
    """``size`` demo leads chosen at random (fixed seed), as request JSON and feature rows."""
    import numpy as np
    import pandas as pd

    from features.contract import load_crm
    from scoring.pyfunc import event_rows

    crm = load_crm(workdir / "data")
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(len(crm.leads), size=min(size, len(crm.leads)), replace=False))
    leads = crm.leads.iloc[pick].reset_index(drop=True)
    at = pd.Series(leads["mql_at"].to_numpy(), index=pd.Index(leads["lead_id"], name="lead_id"))
    acts = crm.activities
    acts = acts[acts["lead_id"].isin(set(leads["lead_id"]))]
    acts = acts.reset_index(drop=True)
    moment = at.reindex(acts["lead_id"]).reset_index(drop=True)
    acts = acts[(acts["occurred_at"] <= moment).to_numpy()].reset_index(drop=True)
    pool = Pool(leads=leads, activities=acts, at=at)

    by_lead: dict[str, list[dict[str, Any]]] = {}
    stages = acts["content_stage"] if "content_stage" in acts.columns else None
    for i, (lead_id, when, kind) in enumerate(zip(acts["lead_id"], acts["occurred_at"],
                                                  acts["activity_type"], strict=True)):
        item: dict[str, Any] = {"activity_type": kind, "occurred_at": iso(when)}
        if stages is not None and isinstance(stages.iat[i], str):
            item["content_stage"] = stages.iat[i]
        by_lead.setdefault(lead_id, []).append(item)
    for row in leads.to_dict(orient="records"):
        lead: dict[str, Any] = {}
        for name in LEAD_FIELDS:
            value = row.get(name)
            if value is None or (isinstance(value, float) and math.isnan(value)) \
                    or value is pd.NaT:
                continue
            lead[name] = iso(value) if isinstance(value, pd.Timestamp) else value
        lead["activities"] = by_lead.get(row["lead_id"], [])
        lead["scored_at"] = lead["mql_at"]
        pool.ours.append(lead)

    raw = event_rows(leads, acts, at)  # what the registered pyfunc takes (scoring.pyfunc)
    pool.columns = list(raw.columns)
    pool.features = [[None if (isinstance(v, float) and math.isnan(v)) else v for v in row]
                     for row in raw.astype(object).to_numpy().tolist()]
    return pool


def bodies(pool: Pool, batch: int, kind: str) -> list[bytes]:
    """Pre-serialised request bodies of ``batch`` consecutive pool leads each, cycling."""
    n = len(pool.ours)
    if batch > n:
        raise SystemExit(f"batch size {batch} is larger than the lead pool ({n})")
    count = max(1, n // batch)
    out = []
    for r in range(count):
        idx = [(r * batch + k) % n for k in range(batch)]
        if kind == "ours":
            doc: Any = {"leads": [pool.ours[i] for i in idx]}
        else:
            doc = {"dataframe_split": {"columns": pool.columns,
                                       "data": [pool.features[i] for i in idx]}}
        out.append(json.dumps(doc, allow_nan=False).encode())
    return out


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict[str, str]
    cwd: Path
    port: int
    ready_path: str
    predict_path: str
    headers: dict[str, str]
    logdir: Path
    proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.out = open(self.logdir / f"{self.name}.out", "wb")  # noqa: SIM115
        self.err = open(self.logdir / f"{self.name}.err", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdout=self.out,
                                     stderr=self.err, stdin=subprocess.DEVNULL,
                                     start_new_session=True)  # own process group: kill it all

    def tail(self, lines: int = 40) -> str:
        text = ""
        for path in (self.logdir / f"{self.name}.err", self.logdir / f"{self.name}.out"):
            if path.exists():
                text += f"--- {path} (last {lines} lines)\n"
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
        return text

    def wait_ready(self, timeout: float) -> float:
        import httpx

        t0 = time.perf_counter()
        deadline = t0 + timeout
        with httpx.Client(timeout=2.0) as client:
            while time.perf_counter() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise SystemExit(f"{self.name} server exited with code "
                                     f"{self.proc.returncode} before it was ready\n{self.tail()}")
                try:
                    if client.get(self.base + self.ready_path).status_code == 200:
                        return time.perf_counter() - t0
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        raise SystemExit(f"{self.name} server not ready at {self.base}{self.ready_path} after "
                         f"{timeout:.0f} s\n{self.tail()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:  # anything left in the group (uvicorn workers) after the leader exited
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for f in (self.out, self.err):
            f.close()


def server_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PINNED)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{workdir / 'mlflow.db'}"
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    return env


def our_server(workdir: Path, logdir: Path, database_url: str = "off",
               name: str = "ours") -> Server:
    """Our service; ``database_url``: its prediction log (``off``: none)."""
    env = server_env(workdir)
    env["LEADCONV_API_KEYS"] = API_KEY
    env["LEADCONV_DATABASE_URL"] = database_url
    port = free_port()
    cmd = [sys.executable, "-m", "cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", "1", "--models-dir", str(workdir / "models")]
    return Server(name, cmd, env, workdir, port, "/readyz", "/v1/predict",
                  {"X-API-Key": API_KEY, "Content-Type": "application/json"}, logdir)


def mlflow_server(workdir: Path, logdir: Path) -> Server:
    env = server_env(workdir)
    port = free_port()
    mlflow_bin = Path(sys.executable).parent / "mlflow"
    cmd = [str(mlflow_bin), "models", "serve", "-m", MODEL_URI, "--env-manager", "local",
           "-p", str(port), "-h", "127.0.0.1", "--workers", "1"]
    return Server("mlflow", cmd, env, workdir, port, "/ping", "/invocations",
                  {"Content-Type": "application/json"}, logdir)


# --------------------------------------------------------------------------- client

@dataclass
class Run:
    server: str
    batch: int
    seconds: float
    latencies_ms: list[float]  # 200s only
    errors: dict[str, int]

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def n_errors(self) -> int:
        return sum(self.errors.values())

    def pct(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def merge(server: str, runs: list[Run]) -> Run:
    """One server's runs of one batch size (the rounds) as one run."""
    errors: dict[str, int] = {}
    for r in runs:
        for key, n in r.errors.items():
            errors[key] = errors.get(key, 0) + n
    return Run(server, runs[0].batch, sum(r.seconds for r in runs),
               [x for r in runs for x in r.latencies_ms], errors)


def print_rounds(rounds: list[list[Run]]) -> None:
    """Per round, the log's p50 and p99 ratios (with over without), and their medians."""
    p50s, p99s = [], []
    for k, pair in enumerate(rounds, start=1):
        by = {r.server: r for r in pair}
        off, on = by.get("ours"), by.get("ours+log")
        if off is None or on is None or not off.ok or not on.ok:
            continue
        p50s.append(on.pct(50) / off.pct(50))
        p99s.append(on.pct(99) / off.pct(99))
        print(f"  round {k}: p50 x{p50s[-1]:.2f}  p99 x{p99s[-1]:.2f}  "
              f"({off.ok:,} / {on.ok:,} requests)")
    if p99s:
        print(f"  median over {len(p99s)} rounds: p50 x{statistics.median(p50s):.2f}  "
              f"p99 x{statistics.median(p99s):.2f}")


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def drive(server: Server, payloads: list[bytes], batch: int, duration: float,
          concurrency: int) -> Run:
    """``concurrency`` threads, each with its own keep-alive connection, back to back."""
    import httpx

    url = server.base + server.predict_path
    lock = threading.Lock()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    examples: dict[str, str] = {}
    start = threading.Barrier(concurrency + 1)
    deadline_box: list[float] = []

    def worker(offset: int) -> None:
        mine: list[float] = []
        bad: dict[str, int] = {}
        with httpx.Client(timeout=REQUEST_TIMEOUT_S, headers=server.headers) as client:
            start.wait()
            deadline = deadline_box[0]
            i = offset
            for _ in range(MAX_REQUESTS_PER_WORKER):
                if time.perf_counter() >= deadline:
                    break
                body = payloads[i % len(payloads)]
                i += concurrency
                t0 = time.perf_counter()
                try:
                    resp = client.post(url, content=body)
                    status = str(resp.status_code)
                except httpx.HTTPError as exc:
                    status, resp = type(exc).__name__, None
                ms = (time.perf_counter() - t0) * 1000
                if status == "200":
                    mine.append(ms)
                else:
                    bad[status] = bad.get(status, 0) + 1
                    if status not in examples and resp is not None:
                        examples[status] = resp.text[:300]
        with lock:
            latencies.extend(mine)
            for k, v in bad.items():
                errors[k] = errors.get(k, 0) + v

    with ThreadPoolExecutor(max_workers=concurrency) as ex:
        futures = [ex.submit(worker, w) for w in range(concurrency)]
        deadline_box.append(time.perf_counter() + duration)
        t0 = time.perf_counter()
        start.wait()
        for f in futures:
            f.result()
        elapsed = time.perf_counter() - t0
    for status, text in examples.items():
        print(f"  {server.name} batch {batch}: HTTP {status}, e.g. {text!r}", flush=True)
    return Run(server.name, batch, elapsed, latencies, errors)


def warm_up(server: Server, payloads: list[bytes]) -> Any:
    """A few sequential requests; fail loudly if the server does not answer 200."""
    import httpx

    last = None
    with httpx.Client(timeout=REQUEST_TIMEOUT_S, headers=server.headers) as client:
        for i in range(WARMUP_REQUESTS):
            resp = client.post(server.base + server.predict_path,
                               content=payloads[i % len(payloads)])
            if resp.status_code != 200:
                raise SystemExit(f"{server.name} warm-up request failed: HTTP "
                                 f"{resp.status_code} {resp.text[:500]}\n{server.tail()}")
            last = resp
    return last


def check_agreement(ours: Server, mlflow: Server, pool: Pool) -> None:
    """Both servers score the same 100 leads: print the largest probability difference."""
    import httpx

    first = bodies(pool, 100, "ours")[0]
    second = bodies(pool, 100, "mlflow")[0]
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
        a = client.post(ours.base + ours.predict_path, content=first, headers=ours.headers)
        b = client.post(mlflow.base + mlflow.predict_path, content=second,
                        headers=mlflow.headers)
    if a.status_code != 200 or b.status_code != 200:
        print(f"agreement check skipped: HTTP {a.status_code} / {b.status_code}")
        return
    p_ours = [p["probability"] for p in a.json()["predictions"]]
    preds = b.json()["predictions"]
    p_mlflow = [row[1] if isinstance(row, list) else float(row) for row in preds]
    diff = max(abs(x - y) for x, y in zip(p_ours, p_mlflow, strict=True))
    print(f"same model check: 100 leads, max |p_ours - p_mlflow| = {diff:.2e} "
          f"(model version {a.json().get('model_version')})")


# --------------------------------------------------------------------------- in process

def in_process(workdir: Path, pool: Pool) -> dict[str, float]:
    """Time scoring without HTTP: what the service runs per request, and the DataFrame API.

    The goals are judged on the service's path: validated leads -> ``to_columns`` ->
    ``Scorer.score_columns`` (features, BANT, points, probability, reasons). ``Scorer.score``
    (DataFrames in and out, what ``leadconv score`` uses) is printed beside it.
    """
    from datetime import UTC, datetime

    from scoring.event import Scorer
    from serving.batch import split_batch
    from serving.frames import predictions, to_columns
    from serving.schemas import LeadIn, PredictRequest

    def leads_of(text: str) -> list[LeadIn]:
        """The request's leads validated as the route does (``serving.batch``)."""
        body = PredictRequest.model_validate_json(text)
        return split_batch(body.leads, strict=False, all_or_nothing=True).leads

    t0 = time.perf_counter()
    scorer = Scorer.from_bundle(workdir / "models" / "champion")
    print(f"\nin process (no HTTP): Scorer.from_bundle {time.perf_counter() - t0:.2f} s, "
          f"model v{scorer.version}")
    now = datetime.now(UTC)
    one_bodies = [leads_of(json.dumps({"leads": [lead]})) for lead in pool.ours[:300]]
    n = min(1000, len(pool.ours))
    big_body = leads_of(json.dumps({"leads": pool.ours[:n]}))

    def service(leads: list[LeadIn]) -> float:
        t = time.perf_counter()
        scorer.score_columns(*to_columns(leads, now))
        return (time.perf_counter() - t) * 1000

    for body in one_bodies[:20]:  # warm-up
        service(body)
    one_ms = [service(body) for body in one_bodies]
    service(big_body)
    batch_ms = [service(big_body) for _ in range(10)]
    n_acts_one = sum(len(b[0].activities) for b in one_bodies) / len(one_bodies)
    result = {"one_p50": percentile(one_ms, 50), "one_p99": percentile(one_ms, 99),
              "batch_p50": percentile(batch_ms, 50), "batch_n": n}
    print(f"  service path, 1 lead ({n_acts_one:.0f} activities avg): p50 "
          f"{result['one_p50']:6.2f} ms  p99 {result['one_p99']:6.2f} ms   goal p99 <= "
          f"{GOAL_ONE_LEAD_P99_MS:.0f} ms: {verdict(result['one_p99'] <= GOAL_ONE_LEAD_P99_MS)}")
    n_acts = sum(len(x.activities) for x in big_body)
    print(f"  service path, {n:,} leads ({n_acts:,} activities): p50 {result['batch_p50']:6.1f} "
          f"ms (10 calls)   goal <= {GOAL_BATCH_1000_MS:.0f} ms: "
          f"{verdict(result['batch_p50'] <= GOAL_BATCH_1000_MS and n >= 1000)}")

    # The DataFrame API (leadconv score), same leads.
    acts_by = dict(tuple(pool.activities.groupby("lead_id", sort=False)))
    empty = pool.activities.iloc[:0]
    frames = []
    for i in range(300):
        one = pool.leads.iloc[[i]].reset_index(drop=True)
        frames.append((one, acts_by.get(one["lead_id"].iat[0], empty), pool.at.iloc[[i]]))

    def frame_api(leads: Any, acts: Any, at: Any) -> float:
        t = time.perf_counter()
        scorer.score(leads, acts, at)
        return (time.perf_counter() - t) * 1000

    for args in frames[:20]:
        frame_api(*args)
    api_ms = [frame_api(*args) for args in frames]
    big = pool.leads.iloc[:n].reset_index(drop=True)
    big_acts = pool.activities[pool.activities["lead_id"].isin(set(big["lead_id"]))]
    api_batch = [frame_api(big, big_acts, pool.at.iloc[:n]) for _ in range(5)]
    print(f"  Scorer.score (DataFrames), 1 lead: p50 {percentile(api_ms, 50):6.2f} ms  p99 "
          f"{percentile(api_ms, 99):6.2f} ms; {n:,} leads: p50 {percentile(api_batch, 50):6.1f} ms")

    # Where a one-lead request spends its time in process (informational).
    raw = [json.dumps({"leads": [pool.ours[i % len(pool.ours)]]}) for i in range(300)]
    stages: dict[str, list[float]] = {"validate": [], "to_columns": [], "score": [],
                                      "response": []}
    for text in raw:
        t = time.perf_counter()
        leads = leads_of(text)
        t1 = time.perf_counter()
        cols = to_columns(leads, now)
        t2 = time.perf_counter()
        scores = scorer.score_columns(*cols)
        t3 = time.perf_counter()
        predictions(scores)
        t4 = time.perf_counter()
        for key, a, b in (("validate", t, t1), ("to_columns", t1, t2), ("score", t2, t3),
                          ("response", t3, t4)):
            stages[key].append((b - a) * 1000)
    parts = "  ".join(f"{k} {percentile(v, 50):.2f}" for k, v in stages.items())
    print(f"  one-lead request path in process, p50 ms: {parts}")
    return result


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --------------------------------------------------------------------------- report

def print_table(runs: list[Run]) -> None:
    print(f"\n{'server':<8} {'batch':>5} {'requests':>9} {'req/s':>9} {'leads/s':>10} "
          f"{'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in runs:
        rps = r.ok / r.seconds if r.seconds else float("nan")
        print(f"{r.server:<8} {r.batch:>5} {r.ok:>9,} {rps:>9.1f} {rps * r.batch:>10,.0f} "
              f"{r.pct(50):>8.1f} {r.pct(99):>8.1f} {r.n_errors:>7}")
        if r.errors:
            print(f"         non-200 responses: {r.errors}")


def print_ratios(runs: list[Run], batches: list[int]) -> None:
    by = {(r.server, r.batch): r for r in runs}
    print("\nours / mlflow")
    for b in batches:
        ours, ml = by.get(("ours", b)), by.get(("mlflow", b))
        if ours is None or ml is None or not ours.ok or not ml.ok:
            print(f"  batch {b}: no ratio (a server had no successful request)")
            continue
        thr = (ours.ok / ours.seconds) / (ml.ok / ml.seconds)
        p99 = ours.pct(99) / ml.pct(99)
        p50 = ours.pct(50) / ml.pct(50)
        if b == 1:
            note = (f"goal throughput >= {GOAL_THROUGHPUT_RATIO:.0f}x: "
                    f"{verdict(thr >= GOAL_THROUGHPUT_RATIO)}; goal p99 <= 1/3 (0.33): "
                    f"{verdict(p99 <= GOAL_P99_RATIO)}")
        else:
            note = "(the goals are for one-lead requests)"
        print(f"  batch {b:>4}: throughput {thr:5.2f}x   p50 {p50:5.2f}   p99 {p99:5.2f}   "
              f"{note}")


# --------------------------------------------------------------------------- main

def print_log_ratios(runs: list[Run], batches: list[int]) -> None:
    """The cost of the prediction log: p50/p99 and throughput with it over without it."""
    for batch in batches:
        off = next((r for r in runs if r.server == "ours" and r.batch == batch), None)
        on = next((r for r in runs if r.server == "ours+log" and r.batch == batch), None)
        if off is None or on is None or not off.ok or not on.ok:
            continue
        tail = "  ".join(f"p{q:g} x{on.pct(q) / off.pct(q):.2f}" for q in (90, 95, 99, 99.9))
        print(f"prediction log, batch {batch}, with over without: {tail}")
        print(f"prediction log, batch {batch}: p50 {on.pct(50):.2f} vs {off.pct(50):.2f} ms "
              f"(x{on.pct(50) / off.pct(50):.2f}), p99 {on.pct(99):.2f} vs {off.pct(99):.2f} ms "
              f"(x{on.pct(99) / off.pct(99):.2f}; goal <= x1.10), throughput "
              f"{on.ok / on.seconds:.1f} vs {off.ok / off.seconds:.1f} req/s")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", type=Path, default=None,
                   help="folder with data/, mlflow.db, mlartifacts/ and models/champion "
                        "(made if missing; default: a new temporary folder, kept)")
    p.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    p.add_argument("--concurrency", type=int, default=4, help="client threads")
    p.add_argument("--leads", type=int, nargs="+", default=[1, 100], help="batch sizes")
    p.add_argument("--skip-mlflow", action="store_true", help="benchmark our service only")
    p.add_argument("--with-log", action="store_true",
                   help="our service without and with the prediction log (instead of mlflow's)")
    p.add_argument("--log-url", default=None,
                   help="the log's database for --with-log (default: SQLite in the workdir)")
    p.add_argument("--rounds", type=int, default=1,
                   help="run each server's scenario this many times, alternating which goes "
                        "first; the table pools the rounds (--with-log also prints each)")
    p.add_argument("--in-process-only", action="store_true",
                   help="only the in-process timings (no servers)")
    p.add_argument("--ready-timeout", type=float, default=60.0,
                   help="seconds to wait for each server to be ready")
    args = p.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1 or min(args.leads) < 1 or args.rounds < 1:
        p.error("--duration must be > 0, --concurrency, --leads and --rounds >= 1")
    if max(args.leads) > POOL_SIZE:
        p.error(f"--leads at most {POOL_SIZE}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir is None:
        workdir = Path(tempfile.mkdtemp(prefix="serve-bench-"))
        print(f"workdir {workdir} (kept; reuse it with --workdir {workdir})")
    else:
        workdir = args.workdir.resolve()
        workdir.mkdir(parents=True, exist_ok=True)
    prepare_workdir(workdir)

    t0 = time.perf_counter()
    pool = load_pool(workdir, POOL_SIZE)
    n_acts = len(pool.activities)
    print(f"request pool: {len(pool.ours):,} demo leads with {n_acts:,} activities up to their "
          f"MQL time ({n_acts / len(pool.ours):.0f} per lead), scored at mql_at; built in "
          f"{time.perf_counter() - t0:.1f} s")
    print(f"client: {args.concurrency} threads (httpx, keep-alive), {args.duration:g} s per "
          f"scenario, batch sizes {args.leads}; servers: 1 worker each, OMP/OpenBLAS/MKL threads "
          f"= 1, 127.0.0.1; {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("note: both servers receive raw leads + activities; mlflow's runs the registered "
          "pyfunc (data contract + the same Scorer), ours the service's path.")

    if args.in_process_only:
        in_process(workdir, pool)
        return 0
    logdir = Path(tempfile.mkdtemp(prefix="serve-bench-logs-"))
    servers = [our_server(workdir, logdir)]
    if args.with_log:
        log_db = workdir / "bench-log.db"
        log_db.unlink(missing_ok=True)
        servers.append(our_server(workdir, logdir, args.log_url or f"sqlite:///{log_db}",
                                  "ours+log"))
    elif not args.skip_mlflow:
        servers.append(mlflow_server(workdir, logdir))
    runs: list[Run] = []
    try:
        for s in servers:
            s.start()
        for s in servers:
            took = s.wait_ready(args.ready_timeout)
            pid = s.proc.pid if s.proc else "?"
            print(f"{s.name} server ready on {s.base} in {took:.1f} s (pid {pid}; "
                  f"logs {logdir / s.name}.err)", flush=True)
        if len(servers) == 2 and not args.with_log:
            check_agreement(servers[0], servers[1], pool)
        for batch in args.leads:
            payloads = {s.name: bodies(pool, batch, "mlflow" if s.name == "mlflow" else "ours")
                        for s in servers}
            for s in servers:
                warm_up(s, payloads[s.name])
            rounds: list[list[Run]] = []
            for k in range(args.rounds):  # A B, B A, A B, ...: drift of the machine cancels
                order = servers if k % 2 == 0 else servers[::-1]
                rounds.append([])
                for s in order:
                    print(f"running {s.name}, batch {batch}, {args.duration:g} s"
                          f"{f' (round {k + 1} of {args.rounds})' if args.rounds > 1 else ''}"
                          " ...", flush=True)
                    rounds[-1].append(drive(s, payloads[s.name], batch, args.duration,
                                            args.concurrency))
            runs.extend(merge(s.name, [r for rs in rounds for r in rs if r.server == s.name])
                        for s in servers)
            if args.with_log and args.rounds > 1:
                print_rounds(rounds)
    finally:
        for s in servers:
            s.stop()
    print_table(runs)
    if not args.skip_mlflow and not args.with_log:
        print_ratios(runs, args.leads)
    if args.with_log:
        print_log_ratios(runs, args.leads)
    in_process(workdir, pool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
