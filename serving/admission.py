"""Overload protection: at most N requests processed at once, at most M waiting, then 503.

Without a limit every request is taken in and they all slow down together: at twice the capacity
the queue (and every latency) grows without bound. ``Admission`` instead lets
``Settings.max_concurrent`` requests in at once and ``Settings.max_queue`` wait, first come first
served, each for at most ``Settings.max_queue_wait`` seconds; any other request gets 503 with
``Retry-After`` at once, so a client or load balancer can retry elsewhere, and the accepted ones
keep their latency. Rejections are counted (``leadconv_overload_rejections_total``).

A request with a body takes its place in the queue only once its whole body has arrived, so slow
uploads do not hold the slots (``serving.body_limits`` bounds how slow they may be); when the
queue is already full as it arrives, it is refused at once, before FastAPI routes or reads it (a
refusal must cost far less than an answer, or refusing eats the capacity it protects). A request
without a body queues when it arrives. The probes and ``/metrics`` are never limited: an overloaded
service is still alive, still ready, and observable.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Literal

from fastapi import status
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.body_limits import BodyRefused, answer
from serving.metrics import Metrics

UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})
RETRY_AFTER_SECONDS = 1
Verdict = Literal["admitted", "queue_full", "queue_timeout"]


class Gate:
    """Slots for ``limit`` requests at once and a FIFO queue of at most ``queue`` waiting ones.

    One event loop only (no locks needed). A freed slot is handed to the oldest waiter directly,
    so a newcomer cannot jump the queue.
    """

    def __init__(self, limit: int, queue: int, max_wait: float) -> None:
        self.limit = limit
        self.queue = queue
        self.max_wait = max_wait
        self.active = 0
        self._waiting: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def full(self) -> bool:
        """Every slot taken and the queue full: ``enter()`` would answer "queue_full"."""
        return self.active >= self.limit and len(self._waiting) >= self.queue

    async def enter(self) -> Verdict:
        """Take a slot, waiting in the queue if needed; on "admitted" call ``leave()`` after."""
        if self.active < self.limit and not self._waiting:
            self.active += 1
            return "admitted"
        if len(self._waiting) >= self.queue:
            return "queue_full"
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(ticket)
        try:
            await asyncio.wait_for(asyncio.shield(ticket), self.max_wait)
        except TimeoutError:
            return self._give_up(ticket)
        except asyncio.CancelledError:
            self._give_up(ticket)
            raise
        return "admitted"

    def _give_up(self, ticket: asyncio.Future[None]) -> Verdict:
        if ticket.done():  # the slot was handed over just as the wait ended: pass it on
            self.leave()
        else:
            ticket.cancel()
            self._waiting.remove(ticket)
        return "queue_timeout"

    def leave(self) -> None:
        """Free a slot: hand it to the oldest waiter, if any."""
        while self._waiting:
            ticket = self._waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)  # the slot passes over; ``active`` is unchanged
                return
        self.active -= 1


def overloaded(verdict: Verdict, gate: Gate) -> BodyRefused:
    why = (f"{gate.limit} requests in progress and {gate.queue} waiting" if verdict == "queue_full"
           else f"no free slot within {gate.max_wait:g} s")
    return BodyRefused(status.HTTP_503_SERVICE_UNAVAILABLE,
                       headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                       detail=f"overloaded ({why}; LEADCONV_MAX_CONCURRENT, LEADCONV_MAX_QUEUE, "
                              f"LEADCONV_MAX_QUEUE_WAIT): retry in {RETRY_AFTER_SECONDS} s")


def has_body(scope: Scope) -> bool:
    headers = dict(scope.get("headers", ()))
    return b"transfer-encoding" in headers or headers.get(b"content-length", b"0") not in (
        b"0", b"")


class Admission:
    """ASGI middleware around the app: every request but the probes passes through a ``Gate``."""

    def __init__(self, app: ASGIApp, gate: Gate, metrics: Metrics,
                 unlimited: frozenset[str] = UNLIMITED) -> None:
        self.app = app
        self.gate = gate
        self.metrics = metrics
        self.unlimited = unlimited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.unlimited:
            await self.app(scope, receive, send)
            return
        admitted = False

        async def enter() -> None:
            nonlocal admitted
            verdict = await self.gate.enter()
            self.metrics.queue_changed(self.gate.active, self.gate.waiting)
            if verdict != "admitted":
                self.metrics.overload_rejected(verdict)
                raise overloaded(verdict, self.gate)
            admitted = True

        async def receive_then_enter() -> Message:
            message = await receive()
            if (not admitted and message["type"] == "http.request"
                    and not message.get("more_body", False)):
                await enter()  # the whole body is here: now wait for a slot
            return message

        try:
            if has_body(scope):
                if self.gate.full:  # no room even now: refuse before reading or routing it
                    self.metrics.overload_rejected("queue_full")
                    await answer(scope, send, overloaded("queue_full", self.gate))
                    return
                await self.app(scope, receive_then_enter, send)
            else:
                try:
                    await enter()
                except BodyRefused as exc:
                    await answer(scope, send, exc)
                    return
                await self.app(scope, receive, send)
        finally:
            if admitted:
                self.gate.leave()
                self.metrics.queue_changed(self.gate.active, self.gate.waiting)
