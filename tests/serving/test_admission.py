"""Overload protection: N at once, M waiting, everyone else 503 + Retry-After at once; probes
never limited. An ASGI app with an endpoint that waits until the test lets it go."""

from __future__ import annotations

import asyncio
import json

import httpx
from starlette.types import Receive, Scope, Send

from serving.admission import Admission, Gate
from serving.metrics import Metrics
from tests.serving.test_ops import _sample


class Held:
    """An app whose every request waits for ``go``; it counts how many are inside at once."""

    def __init__(self) -> None:
        self.go = asyncio.Event()
        self.inside = 0
        self.most_inside = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "POST":
            while (await receive()).get("more_body"):
                pass
        if scope["path"] != "/healthz":
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
            await self.go.wait()
            self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


def client(held: Held, gate: Gate, metrics: Metrics) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(Admission(held, gate, metrics)),
                             base_url="http://test")


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def test_one_running_one_waiting_and_the_next_ones_get_503_with_retry_after_at_once():
    async def scenario() -> None:
        held, metrics = Held(), Metrics()
        async with client(held, Gate(limit=1, queue=1, max_wait=30), metrics) as c:
            first = asyncio.create_task(c.get("/v1/model"))
            await settle()
            second = asyncio.create_task(c.post("/v1/predict", content=b'{"leads": []}'))
            await settle()
            third = await asyncio.wait_for(c.get("/v1/model"), 1)  # answered while held
            fourth = await asyncio.wait_for(c.post("/v1/predict", content=b"{}"), 1)
            probe = await asyncio.wait_for(c.get("/healthz"), 1)  # probes pass the queue
            assert not first.done() and not second.done()
            held.go.set()
            answers = await asyncio.gather(first, second)
        assert [r.status_code for r in answers] == [200, 200]
        assert held.most_inside == 1
        assert third.status_code == fourth.status_code == 503
        assert third.headers["retry-after"] == fourth.headers["retry-after"] == "1"
        assert "LEADCONV_MAX_QUEUE" in json.loads(third.content)["detail"]
        assert probe.status_code == 200
        text = metrics.render().decode()
        assert _sample(text, "leadconv_overload_rejections_total", reason="queue_full") == 2
        assert _sample(text, "leadconv_requests_in_progress") == 0

    asyncio.run(scenario())


def test_a_request_waiting_longer_than_the_max_queue_wait_gets_503():
    async def scenario() -> None:
        held, metrics = Held(), Metrics()
        async with client(held, Gate(limit=1, queue=5, max_wait=0.05), metrics) as c:
            first = asyncio.create_task(c.get("/v1/model"))
            await settle()
            waited = await asyncio.wait_for(c.get("/v1/model"), 2)
            held.go.set()
            assert (await first).status_code == 200
            assert (await c.get("/v1/model")).status_code == 200  # the slot came back
        assert waited.status_code == 503
        assert "within 0.05 s" in json.loads(waited.content)["detail"]
        text = metrics.render().decode()
        assert _sample(text, "leadconv_overload_rejections_total", reason="queue_timeout") == 1

    asyncio.run(scenario())


def test_freed_slots_go_to_the_waiters_first_come_first_served():
    async def scenario() -> None:
        gate = Gate(limit=1, queue=3, max_wait=5)
        assert await gate.enter() == "admitted"
        order: list[int] = []

        async def wait(i: int) -> None:
            assert await gate.enter() == "admitted"
            order.append(i)
            await asyncio.sleep(0)
            gate.leave()

        waiters = [asyncio.create_task(wait(i)) for i in range(3)]
        await settle()
        assert gate.waiting == 3 and await gate.enter() == "queue_full"
        gate.leave()
        await asyncio.gather(*waiters)
        assert order == [0, 1, 2]
        assert (gate.active, gate.waiting) == (0, 0)

    asyncio.run(scenario())
