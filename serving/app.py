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

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from features.dates import configure_window
from scoring.registry import champion_card
from serving.admission import Admission, Gate
from serving.body_limits import LimitBody
from serving.config import Settings, get_settings
from serving.docs import add_docs
from serving.errors import unexpected_error, validation_error
from serving.holder import ModelHolder, ModelLoadError
from serving.metrics import Metrics, ObserveRequests
from serving.monitor_view import MonitorCollector, MonitorUnavailable, MonitorView
from serving.recording import start_log
from serving.routes import api_router

logger = logging.getLogger(__name__)

DESCRIPTION = """Which marketing qualified leads will become sales qualified leads: a calibrated
probability per lead, a 1-100 score with an A-D grade, its fit (who the lead is) and engagement
(what it does), the tier, the four BANT flags with reasons, the rule-based points score, and the
reasons pushing each lead up and down in sales words. A batch is answered lead by lead. Send your
key in `X-API-Key`."""


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the champion (in a thread), open the prediction log, start the poll for a new
    champion; at shutdown stop the poll and write what the log still holds."""
    holder: ModelHolder = app.state.holder
    settings: Settings = app.state.settings
    if not settings.api_keys:
        logger.warning("no API key configured: every /v1 request will be refused (401); set "
                       "LEADCONV_API_KEYS or LEADCONV_API_KEYS_FILE")
    try:
        await asyncio.to_thread(holder.reload)
    except ModelLoadError:
        logger.warning("starting without a model; /readyz answers 503 until one loads")
    app.state.prediction_log = await asyncio.to_thread(start_log, settings)
    if app.state.prediction_log is not None:
        app.state.metrics.watch_log(app.state.prediction_log)
    checker = (asyncio.create_task(check_periodically(app), name="monitor")
               if app.state.prediction_log is not None and settings.monitor_seconds > 0
               else None)
    gc.collect()
    gc.freeze()  # the loaded model and imports: never scanned again by the collector (p99)
    watcher = (asyncio.create_task(holder.watch(), name="model-watcher")
               if settings.reload_seconds > 0 else None)
    try:
        yield
    finally:
        for task in (watcher, checker):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if app.state.prediction_log is not None:
            await asyncio.to_thread(app.state.prediction_log.stop)


async def check_periodically(app: FastAPI) -> None:
    """The monitor's check of the served model every ``monitor_seconds`` (in a thread), for the
    ``leadconv_monitor_*`` gauges; a check that cannot be made is logged and tried again."""
    settings: Settings = app.state.settings
    while True:
        loaded = app.state.holder.current
        if loaded is not None:
            try:
                await asyncio.to_thread(app.state.monitor.refresh, app.state.prediction_log,
                                        loaded)
            except MonitorUnavailable as exc:
                logger.info("monitor: %s", exc)
            except Exception:
                logger.exception("monitor: the check failed")
        await asyncio.sleep(settings.monitor_seconds)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service for ``settings`` (default: from the environment, see ``serving.config``)."""
    settings = settings or get_settings()
    configure_window(settings.date_window)  # one rule for every date of every request
    app = FastAPI(title="Lead conversion predictor", version="1", description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    add_docs(app)  # /docs and /redoc with their assets served here: they work offline
    app.state.settings = settings
    app.state.metrics = Metrics()
    app.state.prediction_log = None  # started by the lifespan (serving.recording)
    app.state.monitor = MonitorView(settings.monitor_seconds)
    app.state.metrics.registry.register(MonitorCollector(app.state.monitor))
    card = champion_card(settings)  # the request schema follows the model that will be served
    schema = card.request_signature() if card is not None else ("event",)
    app.state.holder = ModelHolder(settings, app.state.metrics, schema=schema)
    app.include_router(api_router(card))
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
    # The last added runs first: observe everything, then the body limits, then admission
    # (which sees the body only as LimitBody hands it over).
    app.add_middleware(Admission, metrics=app.state.metrics,
                       gate=Gate(settings.max_concurrent, settings.max_queue,
                                 settings.max_queue_wait))
    app.add_middleware(LimitBody, max_bytes=settings.max_body_bytes,
                       timeout=settings.body_timeout)
    app.add_middleware(ObserveRequests, metrics=app.state.metrics)
    return app
