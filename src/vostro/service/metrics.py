"""Prometheus metrics of one service instance (its own registry, so tests can run many apps)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class _Snapshot(Collector):
    """Gauges read from the database when scraped: payments by state, queue depth."""

    def __init__(self, read: Callable[[], tuple[dict[str, int], dict[str, int]]]) -> None:
        self.read = read

    def collect(self) -> Iterable[GaugeMetricFamily]:
        by_state, depth = self.read()
        states = GaugeMetricFamily(
            "vostro_payments", "Payments by lifecycle state", labels=["state"]
        )
        for state, count in sorted(by_state.items()):
            states.add_metric([state], count)
        yield states
        queue = GaugeMetricFamily(
            "vostro_queue_depth", "Payments queued for liquidity", labels=["currency"]
        )
        for code, count in sorted(depth.items()):
            queue.add_metric([code], count)
        yield queue


class Metrics:
    """The HTTP side's metrics (`http`) and the writer's (`writer`): in one process both; in
    `vostro serve --workers N` each worker has the first and the writer process the second, and
    a worker's `/metrics` adds the writer process's to its own."""

    def __init__(self, *, http: bool = True, writer: bool = True) -> None:
        self.registry = CollectorRegistry()
        if http:
            self.requests = Counter(
                "vostro_http_requests",
                "HTTP requests by route and status",
                ["method", "route", "status"],
                registry=self.registry,
            )
            self.request_seconds = Histogram(
                "vostro_http_request_seconds",
                "HTTP request latency",
                ["method", "route"],
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            )
        if writer:
            self.writer_batch = Histogram(
                "vostro_writer_batch_commands",
                "Commands the writer ran in one round",
                buckets=BATCH_BUCKETS,
                registry=self.registry,
            )
            self.writer_seconds = Histogram(
                "vostro_writer_batch_seconds",
                "Time the writer took for one round of commands",
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            )
            self.writer_wait_seconds = Histogram(
                "vostro_writer_queue_seconds",
                "Time a command waited for the writer",
                buckets=LATENCY_BUCKETS,
                registry=self.registry,
            )

    def watch(self, read: Callable[[], tuple[dict[str, int], dict[str, int]]]) -> None:
        self.registry.register(_Snapshot(read))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
