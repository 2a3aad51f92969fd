"""Prometheus metrics of one app (its own registry, so two apps in one process never mix)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# request latency buckets (seconds): fine where the goals are (p99 10-25 ms)
BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "shopmind_requests",
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "shopmind_request_seconds",
            "Time to answer a request, by route template.",
            ("route",),
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.events = Counter(
            "shopmind_events_accepted",
            "Events acknowledged (durably logged).",
            registry=self.registry,
        )
        self.release = Gauge(
            "shopmind_release",
            "Id of the release being served (0: newest versions).",
            registry=self.registry,
        )
        self.live_users = Gauge(
            "shopmind_live_users", "Users with a live session in memory.", registry=self.registry
        )

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
