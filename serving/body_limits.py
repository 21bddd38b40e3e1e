"""Limits on every request body, enforced while it is read: size (413) and read timeout (408).

``LimitBody`` is a pure ASGI middleware. It refuses a ``Content-Length`` above the limit before
reading anything, and it counts the bytes of the body as ``receive()`` hands them over, so a
chunked body (no ``Content-Length``) or one that lies about its length is refused as soon as the
limit is passed, never buffered whole. Each piece of the body must arrive within
``Settings.body_timeout`` seconds of asking for it; a body shorter than its ``Content-Length``, or
one trickled in too slowly, gets 408 and the connection is closed (``Connection: close``). After
a 413 the server drops whatever else of the body arrives without keeping it (uvicorn discards it),
so a client that sends its whole body before reading the answer still gets the 413 rather than a
reset connection.

The error is raised inside the app as an ``HTTPException``, which FastAPI passes through its body
reading, so the answer has the service's usual ``{"detail": ...}`` body; if the body is read
somewhere the exception escapes to this middleware, it answers itself (unless a response has
already started).
"""

from __future__ import annotations

import asyncio

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = {"Connection": "close"}


class BodyRefused(HTTPException):
    """The request body is over the byte limit (413) or too slow to arrive (408)."""


def too_large(max_bytes: int, seen: int, declared: bool) -> BodyRefused:
    what = f"of {seen:,} bytes" if declared else f"of more than {max_bytes:,} bytes (so far)"
    return BodyRefused(status.HTTP_413_CONTENT_TOO_LARGE,
                       detail=f"request body {what} is over the limit of {max_bytes:,} "
                              f"(LEADCONV_MAX_BODY_BYTES)")


def too_slow(timeout: float, seen: int) -> BodyRefused:
    return BodyRefused(status.HTTP_408_REQUEST_TIMEOUT, headers=CLOSE,
                       detail=f"request body incomplete: no data for {timeout:g} s after "
                              f"{seen:,} bytes (LEADCONV_BODY_TIMEOUT)")


class LimitBody:
    """ASGI middleware: 413 over ``max_bytes`` (declared or counted), 408 after ``timeout`` s."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", ())).get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await answer(scope, send, too_large(self.max_bytes, int(length), declared=True))
            return
        seen = 0
        done = False  # the whole body has been handed over: later receive() calls wait freely
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, done
            if done:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise too_slow(self.timeout, seen) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise too_large(self.max_bytes, seen, declared=False)
                done = not message.get("more_body", False)
            else:
                done = True
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyRefused as exc:
            if started:
                raise
            await answer(scope, send, exc)


async def answer(scope: Scope, send: Send, exc: HTTPException) -> None:
    """Send ``exc`` as the service's JSON error, without reading anything more."""

    async def nothing() -> Message:  # the response never reads the request
        return {"type": "http.disconnect"}

    response = JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=exc.headers)
    await response(scope, nothing, send)
