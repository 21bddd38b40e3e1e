"""Prometheus metrics of the service, and the middleware that times and logs every request.

Each app has its own ``CollectorRegistry`` (tests build many apps in one process). With
``--workers N`` every worker process counts for itself; a scrape sees the worker that answered.

=====================================================  =================================
metric                                                 labels
=====================================================  =================================
``leadconv_http_requests_total``                       route (template), method, status
``leadconv_http_request_duration_seconds`` (histogram)  route, method, status
``leadconv_predictions_total``                         tier (hot, warm, cold)
``leadconv_invalid_leads_total``                       - (leads of a batch answered in
                                                       ``errors``, not scored)
``leadconv_model_info`` (1 for the served model)        version, source (``local`` or
                                                       ``registry``: never a file path)
``leadconv_model_reloads_total``                       -
``leadconv_model_reload_failures_total``               -
``leadconv_overload_rejections_total``                 reason (queue_full, queue_timeout)
``leadconv_requests_in_progress`` (gauge)              -
``leadconv_requests_waiting`` (gauge)                  -
``leadconv_prediction_log_written_total``              - (scores written to the log)
``leadconv_prediction_log_dropped_total``              - (not logged: backlog full)
``leadconv_prediction_log_errors_total``               operation (write, read)
``leadconv_prediction_log_backlog`` (gauge)            - (scores waiting to be written)
``leadconv_prediction_log_up`` (gauge)                 - (1: the last database call worked)
=====================================================  =================================

``/metrics`` is open (no key), so no label value holds a path, a URI or an error message.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.logs import log_request

TIERS = ("hot", "warm", "cold")
REJECTIONS = ("queue_full", "queue_timeout")
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
UNMATCHED = "<unmatched>"


class Metrics:
    """The service's counters, histograms and gauges in a registry of their own."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        labels = ("route", "method", "status")
        self.requests = Counter("leadconv_http_requests_total", "HTTP requests answered",
                                labels, registry=self.registry)
        self.latency = Histogram("leadconv_http_request_duration_seconds",
                                 "Time to answer an HTTP request", labels,
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.predictions = Counter("leadconv_predictions_total", "Leads scored, by tier",
                                   ("tier",), registry=self.registry)
        self.invalid_leads = Counter("leadconv_invalid_leads_total",
                                     "Leads of a batch answered with their own error, not scored",
                                     registry=self.registry)
        self.model = Gauge("leadconv_model_info", "The served model (value 1)",
                           ("version", "source"), registry=self.registry)
        self.reloads = Counter("leadconv_model_reloads_total", "Models loaded successfully",
                               registry=self.registry)
        self.reload_failures = Counter("leadconv_model_reload_failures_total",
                                       "Model loads that failed (the old model kept serving)",
                                       registry=self.registry)
        self.rejections = Counter("leadconv_overload_rejections_total",
                                  "Requests answered 503 because the service was at capacity",
                                  ("reason",), registry=self.registry)
        self.in_progress = Gauge("leadconv_requests_in_progress",
                                 "Requests holding a processing slot (serving.admission)",
                                 registry=self.registry)
        self.waiting = Gauge("leadconv_requests_waiting", "Requests waiting for a slot",
                             registry=self.registry)
        for tier in TIERS:
            self.predictions.labels(tier)
        for reason in REJECTIONS:
            self.rejections.labels(reason)

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method, str(status)).observe(seconds)

    def count_predictions(self, tiers: Iterable[str]) -> None:
        counts: dict[str, int] = {}
        for tier in tiers:
            counts[tier] = counts.get(tier, 0) + 1
        for tier, n in counts.items():
            self.predictions.labels(tier).inc(n)

    def count_invalid_leads(self, n: int) -> None:
        if n:
            self.invalid_leads.inc(n)

    def model_loaded(self, version: str, source: str) -> None:
        """``source``: where it came from (a path or ``models:/...``), shown only as its kind."""
        self.model.clear()
        self.model.labels(version, source_kind(source)).set(1)
        self.reloads.inc()

    def overload_rejected(self, reason: str) -> None:
        self.rejections.labels(reason).inc()

    def queue_changed(self, in_progress: int, waiting: int) -> None:
        self.in_progress.set(in_progress)
        self.waiting.set(waiting)

    def reload_failed(self) -> None:
        self.reload_failures.inc()

    def watch_log(self, log: Any) -> None:
        """Export the prediction log's figures (``store.writer.LogStats``), read at scrape."""
        self.registry.register(LogCollector(log))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class LogCollector(Collector):
    """The prediction log's counters and gauges, from ``log.stats()`` at each scrape."""

    def __init__(self, log: Any) -> None:
        self.log = log

    def collect(self) -> Iterable[Metric]:
        stats = self.log.stats()
        written = CounterMetricFamily("leadconv_prediction_log_written",
                                      "Scores written to the prediction log")
        written.add_metric([], stats.written)
        dropped = CounterMetricFamily("leadconv_prediction_log_dropped",
                                      "Scores not logged because the backlog was full")
        dropped.add_metric([], stats.dropped)
        errors = CounterMetricFamily("leadconv_prediction_log_errors",
                                     "Failed prediction log operations (writes are retried)",
                                     labels=["operation"])
        errors.add_metric(["write"], stats.write_errors)
        errors.add_metric(["read"], stats.read_errors)
        backlog = GaugeMetricFamily("leadconv_prediction_log_backlog",
                                    "Scores waiting to be written to the prediction log")
        backlog.add_metric([], stats.backlog)
        up = GaugeMetricFamily("leadconv_prediction_log_up",
                               "1 when the last prediction log database call worked")
        up.add_metric([], 1 if stats.connected else 0)
        return [written, dropped, errors, backlog, up]

    def describe(self) -> Iterable[Metric]:
        return []


class ObserveRequests:
    """ASGI middleware: request id, latency and status metrics, and one JSON log line per request.

    Routes may put ``n_leads`` and ``model_version`` into ``request.state``; nothing else about the
    request (no body, no query string) is logged.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _request_id(scope)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route = route_label(scope)
            state: dict[str, Any] = scope.get("state") or {}
            self.metrics.observe_request(route, scope["method"], status, seconds)
            log_request(route=route, method=scope["method"], status=status, seconds=seconds,
                        request_id=request_id, n_leads=state.get("n_leads"),
                        model_version=state.get("model_version"))


def source_kind(source: str) -> str:
    """``registry`` for an MLflow model URI, ``local`` for the local store's folder."""
    return "registry" if source.startswith("models:/") else "local"


def route_label(scope: Scope) -> str:
    """The matched route's path template (bounded label values), or ``<unmatched>``.

    FastAPI 0.165 nests included routers, so ``scope["route"].path`` lacks the prefixes; the full
    template is on the effective route context. Failing that, the request path is used: none of
    our routes has path parameters, so it is a template too.
    """
    if "route" not in scope:
        return UNMATCHED
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    path = getattr(context, "path", None)
    return path if isinstance(path, str) else str(scope["path"])


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if REQUEST_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex[:16]
