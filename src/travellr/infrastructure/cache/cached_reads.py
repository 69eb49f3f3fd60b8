"""Keep the cached reads (application/cached_reads.py) in step with the committed events."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Engine, select

from travellr.application.cached_reads import forget_analytics, forget_trip
from travellr.application.ports.cache import CacheService
from travellr.domain.events import DomainEvent
from travellr.infrastructure.db import tables
from travellr.infrastructure.events.bus import InProcessEventBus

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
# What changes a trip, its seats left or the list pages it appears on.
TRIP_EVENTS = (
    "booking.created",
    "booking.changed",
    "booking.cancelled",
    "booking.expired",
    "trip.created",
    "trip.updated",
    "trip.archived",
)


def invalidate_on_events(bus: InProcessEventBus, cache: CacheService, engine: Engine) -> None:
    """Subscribe the handlers that keep the cached reads in step with the events."""

    def analytics_changed(_event: DomainEvent) -> None:
        forget_analytics(cache)

    def trip_changed(event: DomainEvent) -> None:
        forget_trip(cache, _trip_of(event, engine))

    for name in ANALYTICS_EVENTS:
        bus.subscribe(name, analytics_changed)

    def listed_trips_changed(_event: DomainEvent) -> None:
        forget_trip(cache, None)  # only the list pages: a vendor's trips show while it is active

    for name in TRIP_EVENTS:
        bus.subscribe(name, trip_changed)
    bus.subscribe("user.activity_changed", listed_trips_changed)


def _trip_of(event: DomainEvent, engine: Engine) -> UUID | None:
    trip_id: UUID | None = getattr(event, "trip_id", None)
    if trip_id is not None:
        return trip_id
    # booking.cancelled does not carry the trip: one primary-key read finds it.
    bookings = tables.bookings.c
    with engine.connect() as connection:
        return connection.scalar(select(bookings.trip_id).where(bookings.id == event.aggregate_id))
