"""The served model's monitor, from the prediction log: the page behind ``GET /monitor`` and the
``leadconv_monitor_*`` gauges of ``/metrics``.

The check is ``leadconv monitor``'s own (``monitoring.from_log`` + ``monitoring.check``) on the
served version's logged scores and the outcomes fed back. It runs in a thread: at most every
``LEADCONV_MONITOR_SECONDS`` in the background (0: only when the page is asked for), and when
the page is asked for and the last check is older than that or of another model version. A
check reads the whole log of the version (about a second for 20,000 leads): its figures are
monthly, so an hour-old check says the same.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scoring.load import Loaded
from store.writer import PredictionLog

logger = logging.getLogger(__name__)


class MonitorUnavailable(LookupError):
    """No check can be made; the message says why and what to do."""


@dataclass(frozen=True)
class Checked:
    """One check of one model version: the summary, its page, when it was made."""

    version: str
    summary: dict[str, Any]
    page: str
    at: float  # time.time()


class MonitorView:
    """The latest check of the served model, made again when it is older than ``max_age``."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self.latest: Checked | None = None
        self._lock = threading.Lock()

    def current(self, log: PredictionLog | None, loaded: Loaded) -> Checked:
        """The check of ``loaded``: the latest one if fresh, else a new one."""
        latest = self.latest
        if (latest is not None and latest.version == loaded.version
                and (self.max_age <= 0 or time.time() - latest.at < self.max_age)):
            return latest
        return self.refresh(log, loaded)

    def refresh(self, log: PredictionLog | None, loaded: Loaded) -> Checked:
        """Check ``loaded`` on the log now. Raises MonitorUnavailable."""
        from monitoring.check import check
        from monitoring.config import Thresholds
        from monitoring.from_log import EmptyLog, observed_from_log
        from monitoring.page import build_page

        if log is None:
            raise MonitorUnavailable("the prediction log is off (LEADCONV_DATABASE_URL=off): "
                                     "nothing to monitor; run `leadconv monitor --data DIR`")
        if log.engine is None:
            raise MonitorUnavailable("the prediction log's database cannot be reached now")
        if loaded.profile is None:
            raise MonitorUnavailable(f"model {loaded.version} has no reference profile of its "
                                     f"training data: retrain it to monitor it")
        with self._lock:  # one check at a time; a second caller gets the first's result
            latest = self.latest
            if latest is not None and latest.version == loaded.version and \
                    time.time() - latest.at < 1.0:
                return latest
            try:
                observed, data = observed_from_log(log.engine, loaded.profile, loaded.version)
            except EmptyLog as exc:
                raise MonitorUnavailable(str(exc)) from None
            summary = check(observed, loaded.profile, loaded.card, Thresholds(), data)
            self.latest = Checked(loaded.version, summary, build_page(summary), time.time())
            logger.info("monitor of model %s: %s (%d reasons)", loaded.version,
                        summary["status"], len(summary["reasons"]))
            return self.latest


class MonitorCollector(Collector):
    """``leadconv_monitor_*`` gauges from the latest check (none before the first)."""

    def __init__(self, view: MonitorView) -> None:
        self.view = view

    def collect(self) -> Iterable[Metric]:
        latest = self.view.latest
        if latest is None:
            return []
        s = latest.summary
        version = [latest.version]
        status = GaugeMetricFamily("leadconv_monitor_status",
                                   "Latest monitor verdict: 0 healthy, 1 attention (drift or "
                                   "calibration beyond thresholds)", labels=["version"])
        status.add_metric(version, s["exit_code"])
        age = GaugeMetricFamily("leadconv_monitor_age_seconds", "Age of the latest check")
        age.add_metric([], time.time() - latest.at)
        psi = GaugeMetricFamily("leadconv_monitor_psi",
                                "Population stability index against the training profile, "
                                "newest judged month (column: a model input, or score)",
                                labels=["version", "column"])
        judged = [c for c in s["drift"] if c["judged"] and c["month"] != "all"]
        newest = max((c["month"] for c in judged), default=None)
        for c in judged:
            if c["month"] == newest and c["psi"] is not None:
                psi.add_metric([latest.version, c["column"]], c["psi"])
        whole = next((r for r in s["realised"] if r["month"] == "all"), None)
        out = [status, age, psi]
        for name, key, text in (("ece", "ece", "Realised expected calibration error"),
                                ("auc", "auc", "Realised ROC AUC"),
                                ("matured_leads", "n", "Leads whose horizon has passed")):
            gauge = GaugeMetricFamily(f"leadconv_monitor_realised_{name}",
                                      f"{text}, all matured leads", labels=["version"])
            value = None if whole is None else whole.get(key)
            if value is not None:
                gauge.add_metric(version, float(value))
            out.append(gauge)
        return out

    def describe(self) -> Iterable[Metric]:
        return []
