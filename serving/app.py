"""``create_app``: the FastAPI service. Nothing is loaded at import; the lifespan loads the model.

Run it with ``leadconv serve`` (uvicorn, factory ``serving.app:create_app``) or, in tests, with
``TestClient(create_app(Settings(...)))``. The app starts even without a model (``/readyz`` then
answers 503 and the poll keeps looking); ``leadconv serve`` refuses to start without one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from scoring.registry import champion_card
from serving.config import Settings, get_settings
from serving.holder import ModelHolder, ModelLoadError
from serving.metrics import Metrics, ObserveRequests
from serving.routes import api_router

logger = logging.getLogger(__name__)

DESCRIPTION = """Which marketing qualified leads will become sales qualified leads: a calibrated
probability per lead, a 0-100 score and tier, the four BANT flags with reasons, the rule-based
points score, and the reasons pushing each lead up and down. Send your key in `X-API-Key`."""


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the champion (in a thread), start the poll for a new one, stop it at shutdown."""
    holder: ModelHolder = app.state.holder
    settings: Settings = app.state.settings
    if not settings.api_keys:
        logger.warning("no API key configured: every /v1 request will be refused (401); set "
                       "LEADCONV_API_KEYS or LEADCONV_API_KEYS_FILE")
    try:
        await asyncio.to_thread(holder.reload)
    except ModelLoadError:
        logger.warning("starting without a model; /readyz answers 503 until one loads")
    gc.collect()
    gc.freeze()  # the loaded model and imports: never scanned again by the collector (p99)
    watcher = (asyncio.create_task(holder.watch(), name="model-watcher")
               if settings.reload_seconds > 0 else None)
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "leads", 3, "mql_at") -> "leads[3].mql_at"."""
    text = ""
    for part in loc[1:] if loc and loc[0] == "body" else loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with every problem as ``{loc, field, msg, type}`` and one readable ``message``.

    The submitted values are not echoed (the caller has them; they may be contact data).
    """
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": list(e["loc"]),
               "field": "body" if e["type"] == "json_invalid" else _field(e["loc"]),
               "msg": e["msg"] if e["type"] != "json_invalid" else
               f"JSON decode error at character {e['loc'][-1]}: {e.get('ctx', {}).get('error')}",
               "type": e["type"]} for e in exc.errors()]
    shown = "; ".join(f"{e['field']}: {e['msg']}" for e in errors[:10])
    more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
    return JSONResponse(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
                        content={"message": f"{len(errors)} invalid field(s): {shown}{more}",
                                 "detail": errors})


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """500 without internals; the log has the exception type and stack (not its message)."""
    logger.error("unhandled error on %s %s", request.method, request.url.path,
                 exc_info=(type(exc), exc, exc.__traceback__))
    return JSONResponse(status_code=500, content={"detail": "internal error; see the service "
                                                            "log for this X-Request-ID"})


class LimitBody:
    """ASGI middleware: 413 for a ``Content-Length`` above ``max_bytes``, before reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", ())).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.max_bytes:
                response = JSONResponse(status_code=status.HTTP_413_CONTENT_TOO_LARGE, content={
                    "detail": f"request body of {int(length):,} bytes is over the limit of "
                              f"{self.max_bytes:,} (LEADCONV_MAX_BODY_BYTES)"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: from the environment, see ``serving.config``)."""
    settings = settings or get_settings()
    app = FastAPI(title="Lead conversion predictor", version="1", description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = Metrics()
    card = champion_card(settings)  # the request schema follows the model that will be served
    schema = card.request_signature() if card is not None else ("event",)
    app.state.holder = ModelHolder(settings, app.state.metrics, schema=schema)
    app.include_router(api_router(card))
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObserveRequests, metrics=app.state.metrics)
    return app
