# ruff: noqa: T201  (a benchmark script reports with print)
"""Benchmark: the service at twice its capacity, with the admission limits (serving.admission).

Issue 13 "Overload". The service runs as in ``serve_bench.py`` (``leadconv serve``, 1 worker,
OMP/OpenBLAS/MKL threads = 1, 127.0.0.1, the same trained champion and demo leads, whose set-up
this script reuses). One-lead predicts only:

1. **unloaded**: one client, one request at a time: p50 and p99;
2. **capacity**: closed loop, ``--concurrency`` clients back to back: accepted requests per second
   (both on a server whose limits never bite: what the service can do);
3. **overload**: against a server with the limits, open loop at ``--factor`` x capacity for
   ``--duration`` seconds: requests are sent on a fixed schedule whatever the answers, as real
   traffic does; the table shows the accepted ones (200) with their p50/p99, the 503s and how
   fast they came back, and every other answer.

Goals: at 2x capacity the p99 of the accepted requests stays within 3x the unloaded p99, the
rejected ones get 503 at least as fast as an unloaded request (p99), and nothing else goes wrong
(0 other errors). ``--also-unlimited`` runs the same overload against a server whose limits are
too high to matter, which is how the service behaved before the limits.

    python benchmarks/overload_bench.py [--workdir W] [--factor 2] [--duration 20]
        [--max-concurrent N] [--max-queue M] [--max-queue-wait S] [--also-unlimited]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import serve_bench  # sets the native thread pinning before numpy loads
from serve_bench import Server, bodies, drive, load_pool, our_server, percentile, prepare_workdir

UNLIMITED = {"LEADCONV_MAX_CONCURRENT": "100000", "LEADCONV_MAX_QUEUE": "100000",
             "LEADCONV_MAX_QUEUE_WAIT": "3600"}
UNLOADED_REQUESTS = 400
GOAL_P99_RATIO = 3.0


@dataclass
class Overload:
    offered_rps: float
    sent: int
    seconds: float
    accepted_ms: list[float] = field(default_factory=list)
    rejected_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lag_ms: list[float] = field(default_factory=list)  # how late the client sent (schedule)
    started: float = 0.0  # wall clock (time.time) of the first and after the last answer
    ended: float = 0.0


def unloaded(server: Server, payloads: list[bytes], n: int) -> list[float]:
    """Milliseconds of ``n`` one-lead predicts, one at a time (200s only; others stop the run)."""
    import httpx

    out = []
    with httpx.Client(timeout=serve_bench.REQUEST_TIMEOUT_S, headers=server.headers) as client:
        for i in range(n):
            t0 = time.perf_counter()
            r = client.post(server.base + server.predict_path, content=payloads[i % len(payloads)])
            ms = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise SystemExit(f"unloaded request got HTTP {r.status_code}: {r.text[:300]}")
            out.append(ms)
    return out


class Connections:
    """Plain HTTP/1.1 over asyncio streams with keep-alive: far cheaper per request than an
    HTTP library, so the client (on the same CPUs) takes less from the server it measures."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def send(self, request: bytes) -> str:
        """The status of the answer to ``request`` (or the error's name). A kept-alive connection
        the server closed meanwhile (idle timeout) is replaced, as HTTP clients do."""
        reused = bool(self.idle)
        reader, writer = (self.idle.pop() if reused
                          else await asyncio.open_connection(self.host, self.port))
        try:
            writer.write(request)
            first = await reader.readline()
            if not first and reused:
                writer.close()
                reader, writer = await asyncio.open_connection(self.host, self.port)
                writer.write(request)
                first = await reader.readline()
            status = first.split(b" ", 2)[1].decode()
            length, close = 0, False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
                elif name.strip().lower() == "connection" and "close" in value.lower():
                    close = True
            await reader.readexactly(length)
        except (OSError, IndexError, ValueError, asyncio.IncompleteReadError) as exc:
            writer.close()
            return type(exc).__name__
        if close:
            writer.close()
        else:
            self.idle.append((reader, writer))
        return status


def raw_requests(server: Server, payloads: list[bytes]) -> list[bytes]:
    head = "".join(f"{k}: {v}\r\n" for k, v in server.headers.items())
    return [(f"POST {server.predict_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
             f"Content-Length: {len(body)}\r\n\r\n").encode() + body for body in payloads]


async def open_loop(server: Server, payloads: list[bytes], rate: float,
                    duration: float) -> Overload:
    """Send at ``rate`` per second on a fixed schedule for ``duration`` s, whatever the answers."""
    n = int(rate * duration)
    run = Overload(offered_rps=rate, sent=n, seconds=duration)
    requests = raw_requests(server, payloads)
    connections = Connections("127.0.0.1", server.port)
    loop = asyncio.get_running_loop()

    async def one(request: bytes, due: float) -> None:
        t0 = loop.time()
        run.lag_ms.append((t0 - due) * 1000)
        status = await asyncio.wait_for(connections.send(request), serve_bench.REQUEST_TIMEOUT_S)
        ms = (loop.time() - t0) * 1000
        if status == "200":
            run.accepted_ms.append(ms)
        elif status == "503":
            run.rejected_ms.append(ms)
        else:
            run.errors[status] = run.errors.get(status, 0) + 1

    run.started = time.time()
    start = loop.time() + 0.1
    tasks = []
    for i in range(n):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], due)))
    await asyncio.gather(*tasks)
    for _, writer in connections.idle:
        writer.close()
    run.ended = time.time()
    return run


def server_side(server: Server, run: Overload) -> dict[str, list[float]]:
    """Durations the service logged for predicts answered during ``run``, by status: the time
    from uvicorn handing the request over to the answer (no time in the kernel or the client)."""
    from datetime import datetime

    out: dict[str, list[float]] = {}
    for line in (server.logdir / f"{server.name}.err").read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
            when = datetime.fromisoformat(entry["ts"]).timestamp()
        except (ValueError, KeyError, TypeError):
            continue
        if entry.get("route") == server.predict_path and run.started <= when <= run.ended:
            out.setdefault(str(entry.get("status")), []).append(float(entry["duration_ms"]))
    return out


def rejections(server: Server) -> str:
    """The service's own count of 503s by reason (``/metrics``)."""
    import httpx

    text = httpx.get(server.base + "/metrics", timeout=10).text
    found = [line for line in text.splitlines()
             if line.startswith("leadconv_overload_rejections_total{")]
    return "; ".join(line.split("{", 1)[1].replace('"}', "").replace('reason="', "")
                     for line in found) or "none"


def started(name: str, env: dict[str, str], workdir: Path, logdir: Path,
            payloads: list[bytes], args: argparse.Namespace) -> Server:
    server = our_server(workdir, logdir)
    server.name = name
    server.env.update(env)
    server.start()
    server.wait_ready(args.ready_timeout)
    serve_bench.warm_up(server, payloads)
    return server


def measure_capacity(server: Server, payloads: list[bytes],
                     args: argparse.Namespace) -> tuple[list[float], float]:
    """(unloaded latencies, closed-loop req/s) of a server whose limits never bite: what the
    service can do, whatever its admission limits."""
    base = unloaded(server, payloads, UNLOADED_REQUESTS)
    print(f"unloaded: p50 {percentile(base, 50):.1f} ms, p99 {percentile(base, 99):.1f} ms "
          f"({len(base)} sequential requests)", flush=True)
    closed = drive(server, payloads, 1, args.capacity_seconds, args.concurrency)
    capacity = closed.ok / closed.seconds
    print(f"capacity: {capacity:.1f} req/s closed loop, {args.concurrency} clients (p50 "
          f"{closed.pct(50):.1f} ms, p99 {closed.pct(99):.1f} ms, other answers "
          f"{closed.errors or 0})", flush=True)
    return base, capacity


def overload(server: Server, payloads: list[bytes], rate: float,
             args: argparse.Namespace) -> dict[str, object]:
    print(f"[{server.name}] open loop at {rate:.0f} req/s for {args.duration:g} s ...",
          flush=True)
    run = asyncio.run(open_loop(server, payloads, rate, args.duration))
    return {"name": server.name, "run": run, "counted": rejections(server),
            "server_side": server_side(server, run)}


def report(results: list[dict[str, object]], base: list[float], capacity: float) -> None:
    print(f"\n{'server':<10} {'offered':>8} {'capacity':>8} {'ratio':>5} {'sent':>6} "
          f"{'accepted':>8} {'acc p50':>8} {'acc p99':>8} {'unl p99':>8} {'503s':>6} "
          f"{'503 p50':>8} {'503 p99':>8} {'other':>6}")
    for res in results:
        run = res["run"]
        assert isinstance(run, Overload)
        print(f"{res['name']:<10} {run.offered_rps:>8.0f} {capacity:>8.1f} "
              f"{run.offered_rps / capacity:>5.1f} {run.sent:>6} {len(run.accepted_ms):>8} "
              f"{percentile(run.accepted_ms, 50):>8.1f} {percentile(run.accepted_ms, 99):>8.1f} "
              f"{percentile(base, 99):>8.1f} {len(run.rejected_ms):>6} "
              f"{percentile(run.rejected_ms, 50):>8.1f} {percentile(run.rejected_ms, 99):>8.1f} "
              f"{sum(run.errors.values()):>6}")
    print("(ms; rates in req/s; 'unl p99' = unloaded p99; 'other' = answers neither 200 nor 503)")
    for res in results:
        run = res["run"]
        assert isinstance(run, Overload)
        unl = percentile(base, 99)
        acc = percentile(run.accepted_ms, 99)
        rej = percentile(run.rejected_ms, 99) if run.rejected_ms else 0.0
        logged = res["server_side"]
        assert isinstance(logged, dict)
        print(f"\n[{res['name']}] server side (its own log, from uvicorn handing the request "
              f"over to the answer): " + "; ".join(
                  f"{status}: {len(ms)}, p50 {percentile(ms, 50):.1f} ms, p99 "
                  f"{percentile(ms, 99):.1f} ms" for status, ms in sorted(logged.items())))
        print(f"[{res['name']}] the server counted 503s by reason: {res['counted']}; "
              f"other answers: {run.errors or 'none'}; client send lag p99 "
              f"{percentile(run.lag_ms, 99):.1f} ms (how late the client itself was)")
        print(f"  goal accepted p99 <= {GOAL_P99_RATIO:g}x unloaded p99 ({acc:.1f} <= "
              f"{GOAL_P99_RATIO * unl:.1f} ms): {serve_bench.verdict(acc <= GOAL_P99_RATIO * unl)}")
        print(f"  goal 503s fast, p99 <= unloaded p99 ({rej:.1f} <= {unl:.1f} ms): "
              f"{serve_bench.verdict(rej <= unl)}")
        print(f"  goal 0 other errors: {serve_bench.verdict(not run.errors)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", type=Path, default=None,
                   help="as in serve_bench.py (default: a new temporary folder, kept)")
    p.add_argument("--factor", type=float, default=2.0, help="offered load / capacity")
    p.add_argument("--duration", type=float, default=20.0, help="seconds of overload")
    p.add_argument("--capacity-seconds", type=float, default=10.0,
                   help="seconds of the closed-loop capacity run")
    p.add_argument("--concurrency", type=int, default=4,
                   help="closed-loop clients of the capacity run")
    p.add_argument("--max-concurrent", type=int, default=None,
                   help="LEADCONV_MAX_CONCURRENT for the server (default: the service's)")
    p.add_argument("--max-queue", type=int, default=None, help="LEADCONV_MAX_QUEUE")
    p.add_argument("--max-queue-wait", type=float, default=None, help="LEADCONV_MAX_QUEUE_WAIT")
    p.add_argument("--also-unlimited", action="store_true",
                   help="also run a server whose limits never bite (the behaviour before them)")
    p.add_argument("--ready-timeout", type=float, default=90.0)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = (args.workdir.resolve() if args.workdir
               else Path(tempfile.mkdtemp(prefix="overload-bench-")))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"workdir {workdir}")
    prepare_workdir(workdir)
    pool = load_pool(workdir, serve_bench.POOL_SIZE)
    payloads = bodies(pool, 1, "ours")
    limits = {name: str(value) for name, value in (
        ("LEADCONV_MAX_CONCURRENT", args.max_concurrent), ("LEADCONV_MAX_QUEUE", args.max_queue),
        ("LEADCONV_MAX_QUEUE_WAIT", args.max_queue_wait)) if value is not None}
    print(f"server: 1 worker, native threads 1, limits {limits or 'the defaults'}; "
          f"{os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (client and server share them)")
    logdir = Path(tempfile.mkdtemp(prefix="overload-bench-logs-"))
    free = started("unlimited", UNLIMITED, workdir, logdir, payloads, args)
    try:
        base, capacity = measure_capacity(free, payloads, args)
        if args.also_unlimited:
            results = [overload(free, payloads, capacity * args.factor, args)]
        else:
            results = []
    finally:
        free.stop()
    limited = started("limited", limits, workdir, logdir, payloads, args)
    try:
        results.insert(0, overload(limited, payloads, capacity * args.factor, args))
    finally:
        limited.stop()
    report(results, base, capacity)
    print(f"\nserver logs in {logdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
