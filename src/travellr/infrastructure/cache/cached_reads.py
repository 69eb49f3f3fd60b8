"""What is cached, under which keys, for how long, and which events make it stale.

Cached: the admin analytics of a period, one trip, and the first page of the trip list. A
domain event handler forgets what an event changes, after the commit; trip edits emit no
events, so the trip routes call `forget_trip` themselves after their use case returns.

The list pages and the analytics are forgotten by namespace, many keys at once, on every
booking: their keys carry the namespace's current generation, and forgetting the namespace
is one write of a new generation. (Deleting by pattern meant a SCAN of the whole Redis
keyspace on every booking.) Pages of older generations are never read again and expire by
their TTL. The price: a cached read of these first reads the generation, one more cache GET.

The event bus is per process. With the in-process cache each gunicorn worker has its own
cache and hears only its own events, so another worker may serve a stale answer until the
TTL runs out: the TTLs are short for that reason. With Redis the cache, and so every
invalidation, is shared by all the workers. Two known windows of staleness, both bounded by
the TTL: a read that fills the cache just after a concurrent change was invalidated (or
after the generation key itself was evicted), and figures with no event behind them (new or
changed users in the analytics, a trip whose start time passes while its list page is
cached).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, select

from travellr.application.ports.cache import CacheService
from travellr.domain.events import DomainEvent
from travellr.infrastructure.db import tables
from travellr.infrastructure.events.bus import InProcessEventBus

PREFIX = "travellr:cache:"
ANALYTICS_TTL = 60
TRIP_TTL = 30
TRIP_LIST_TTL = 30
GENERATION_TTL = 24 * 3600  # far beyond any entry's TTL

ANALYTICS_EVENTS = (
    "booking.created",
    "booking.confirmed",
    "booking.cancelled",
    "booking.expired",
    "booking.completed",
    "payment.processed",
    "payment.failed",
    "payment.refunded",
    "vendor.paid_out",
)
SEAT_EVENTS = ("booking.created", "booking.cancelled", "booking.expired")


def analytics_key(cache: CacheService, first: date, last: date) -> str:
    generation = _generation(cache, "analytics")
    return f"{PREFIX}analytics:{generation}:{first.isoformat()}:{last.isoformat()}"


def trip_key(trip_id: UUID) -> str:
    return f"{PREFIX}trip:{trip_id}"


def trip_list_key(cache: CacheService, query: dict[str, Any]) -> str:
    """One key per normalised query: the same filters in any order share an entry."""
    normal = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(normal.encode()).hexdigest()
    return f"{PREFIX}trips:list:{_generation(cache, 'trips')}:{digest}"


def forget_trip(cache: CacheService, trip_id: UUID | None) -> None:
    """A trip changed (or was created): its entry and every cached list page go."""
    if trip_id is not None:
        cache.delete(trip_key(trip_id))
    _new_generation(cache, "trips")


def forget_analytics(cache: CacheService) -> None:
    _new_generation(cache, "analytics")


def _generation(cache: CacheService, namespace: str) -> str:
    return str(cache.get(f"{PREFIX}{namespace}:generation") or "0")


def _new_generation(cache: CacheService, namespace: str) -> None:
    cache.set(f"{PREFIX}{namespace}:generation", uuid.uuid4().hex, GENERATION_TTL)


def invalidate_on_events(bus: InProcessEventBus, cache: CacheService, engine: Engine) -> None:
    """Subscribe the handlers that keep the cached reads in step with the events."""

    def analytics_changed(_event: DomainEvent) -> None:
        forget_analytics(cache)

    def seats_changed(event: DomainEvent) -> None:
        forget_trip(cache, _trip_of(event, engine))

    for name in ANALYTICS_EVENTS:
        bus.subscribe(name, analytics_changed)
    for name in SEAT_EVENTS:
        bus.subscribe(name, seats_changed)


def _trip_of(event: DomainEvent, engine: Engine) -> UUID | None:
    trip_id: UUID | None = getattr(event, "trip_id", None)
    if trip_id is not None:
        return trip_id
    # booking.cancelled does not carry the trip: one primary-key read finds it.
    bookings = tables.bookings.c
    with engine.connect() as connection:
        return connection.scalar(select(bookings.trip_id).where(bookings.id == event.aggregate_id))
