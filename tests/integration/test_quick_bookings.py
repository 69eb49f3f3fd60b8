"""The one-go write of a booking on a trip copy: all of it, or nothing, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.api.conftest import Api
from tests.api.factories import make_trip
from travellr.domain.bookings import Booking
from travellr.domain.payments import Payment
from travellr.domain.trips import Trip, TripStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.quick_bookings import QuickBookings

NOW = datetime.now(UTC)


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app, app.test_client())


@pytest.fixture
def quick(app: Flask) -> QuickBookings:
    return QuickBookings(app.extensions["travellr"].read_session_factory)


@pytest.fixture
def seats(api: Api) -> tuple[Trip, uuid.UUID]:
    """A trip of 10 seats, read fresh, and a traveller to book it."""
    trip = make_trip(api, api.register(role="vendor"), capacity=10)
    traveller = uuid.UUID(api.register()["user"]["id"])
    copy = QuickBookings(api.app.extensions["travellr"].read_session_factory)
    found = copy.trip(uuid.UUID(trip["id"]))
    assert found is not None
    return found, traveller


def _write(quick: QuickBookings, trip: Trip, traveller: uuid.UUID, seats: int = 2) -> bool:
    booking = Booking.on_held_seats(
        trip=trip,
        user_id=traveller,
        seats=seats,
        expected_total=None,
        notes=None,
        now=NOW,
        hold=timedelta(minutes=30),
    )
    payment = Payment.start(booking=booking, provider="mock", payment_method="pm_x", now=NOW)
    events = booking.pull_events() + payment.pull_events()
    return quick.write(booking, payment, events, trip=trip)


def _counts(app: Flask, trip_id: uuid.UUID) -> dict[str, Any]:
    with app.extensions["travellr"].engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table))
            for name, table in (
                ("bookings", tables.bookings),
                ("payments", tables.payments),
                ("outbox", tables.outbox),
            )
        } | {
            "seats_taken": connection.scalar(
                select(tables.trips.c.seats_taken).where(tables.trips.c.id == trip_id)
            )
        }


def test_a_booking_on_a_current_copy_is_written_with_its_payment_and_events(
    app: Flask, quick: QuickBookings, seats: tuple[Trip, uuid.UUID]
) -> None:
    trip, traveller = seats
    before = _counts(app, trip.id)

    assert _write(quick, trip, traveller, seats=2)

    after = _counts(app, trip.id)
    assert after["seats_taken"] == before["seats_taken"] + 2
    assert after["bookings"] == before["bookings"] + 1
    assert after["payments"] == before["payments"] + 1
    assert after["outbox"] == before["outbox"] + 1  # booking.created; a payment records none


@pytest.mark.parametrize(
    ("field", "now"),
    [
        ("price", Decimal("149.99")),
        ("currency", "EUR"),
        ("start_at", NOW + timedelta(days=29)),
        ("status", TripStatus.ARCHIVED),
    ],
)
def test_a_copy_that_no_longer_matches_the_trip_writes_nothing(
    app: Flask, quick: QuickBookings, seats: tuple[Trip, uuid.UUID], field: str, now: object
) -> None:
    trip, traveller = seats
    trips = tables.trips
    with app.extensions["travellr"].engine.begin() as connection:  # changed since the copy
        connection.execute(update(trips).where(trips.c.id == trip.id).values({field: now}))
    before = _counts(app, trip.id)

    assert not _write(quick, trip, traveller)

    assert _counts(app, trip.id) == before


def test_more_seats_than_are_left_writes_nothing(
    app: Flask, quick: QuickBookings, seats: tuple[Trip, uuid.UUID]
) -> None:
    trip, traveller = seats
    assert _write(quick, trip, traveller, seats=9)
    before = _counts(app, trip.id)

    assert not _write(quick, trip, traveller, seats=2)

    assert _counts(app, trip.id) == before


def test_a_refused_write_drops_the_copy_so_the_next_booking_reads_the_trip_again(
    app: Flask, quick: QuickBookings, seats: tuple[Trip, uuid.UUID]
) -> None:
    trip, traveller = seats
    copy = quick.trip(trip.id)
    assert copy is not None
    assert quick.trip(trip.id) is copy
    copy.price = Decimal("1.00")

    assert not _write(quick, copy, traveller)

    fresh = quick.trip(trip.id)
    assert fresh is not copy
    assert fresh is not None
    assert fresh.price == Decimal("150.00")
