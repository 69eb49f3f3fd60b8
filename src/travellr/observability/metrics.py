"""Prometheus metrics: HTTP, the database pool and the business counters fed by domain events.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (by the gunicorn config) before any worker
imports prometheus_client, so every metric below is kept in files shared by all the workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event

from travellr.application.ports.events import EventBus
from travellr.domain.events import DomainEvent

HTTP_REQUESTS = Counter(
    "travellr_http_requests_total",
    "HTTP requests served, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "travellr_http_request_duration_seconds",
    "Time to serve a request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_IN_FLIGHT = Gauge(
    "travellr_http_requests_in_flight",
    "Requests being served right now.",
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "travellr_db_pool_checked_out",
    "Database connections taken from the pools of the live processes.",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "travellr_db_pool_size",
    "Configured database pool size, summed over the live processes.",
    multiprocess_mode="livesum",
)
BOOKINGS = Counter("travellr_bookings_total", "Booking lifecycle steps.", ["outcome"])
PAYMENTS = Counter("travellr_payments_total", "Payment attempts, by outcome.", ["outcome"])
REFUNDS = Counter("travellr_refunds_total", "Refunds made.")
PAYOUTS = Counter("travellr_payouts_total", "Vendor payouts made.")
# Incremented by the outbox relay, which hands each committed event to the task queue.
EVENTS_RELAYED = Counter("travellr_events_relayed_total", "Outbox events relayed.", ["event"])
EVENTS_FAILED = Counter("travellr_events_failed_total", "Outbox events failing relay.", ["event"])

_COUNTED_EVENTS: dict[str, Callable[[], None]] = {
    "booking.created": BOOKINGS.labels(outcome="created").inc,
    "booking.confirmed": BOOKINGS.labels(outcome="confirmed").inc,
    "booking.cancelled": BOOKINGS.labels(outcome="cancelled").inc,
    "booking.expired": BOOKINGS.labels(outcome="expired").inc,
    "booking.completed": BOOKINGS.labels(outcome="completed").inc,
    "payment.processed": PAYMENTS.labels(outcome="succeeded").inc,
    "payment.failed": PAYMENTS.labels(outcome="failed").inc,
    "payment.refunded": REFUNDS.inc,
    "vendor.paid_out": PAYOUTS.inc,
}


def count_business_events(bus: EventBus) -> None:
    """Count every committed booking, payment, refund and payout event on `bus`."""
    for name, increment in _COUNTED_EVENTS.items():
        bus.subscribe(name, _counter_handler(increment))


def _counter_handler(increment: Callable[[], None]) -> Callable[[DomainEvent], None]:
    def handle(_event: DomainEvent) -> None:
        increment()

    return handle


def watch_pool(engine: Engine) -> None:
    """Track the connections `engine`'s pool has handed out."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        pool_size = size()
        DB_POOL_SIZE.inc(pool_size)
        # A preloaded app (gunicorn's preload_app) is forked into its workers after this ran;
        # a forked process starts its gauges from zero, so each worker counts its own pool.
        os.register_at_fork(after_in_child=lambda: DB_POOL_SIZE.inc(pool_size))

    @event.listens_for(engine, "checkout")
    def _checkout(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.inc()

    @event.listens_for(engine, "checkin")
    def _checkin(*_args: Any) -> None:
        DB_POOL_CHECKED_OUT.dec()


def exposition(multiproc_dir: str | None) -> tuple[bytes, str]:
    """The text exposition of every metric: merged over all workers in multiprocess mode."""
    if multiproc_dir is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiproc_dir)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
