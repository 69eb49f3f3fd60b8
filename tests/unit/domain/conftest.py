"""Factories for the domain tests: small keyword-override functions, served as fixtures."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from travellr.domain.actors import Actor, Role
from travellr.domain.bookings import Booking
from travellr.domain.money import Money
from travellr.domain.trips import Trip

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOLD = timedelta(minutes=30)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_trip() -> Callable[..., Trip]:
    def make(**overrides: Any) -> Trip:
        fields: dict[str, Any] = {
            "vendor_id": uuid4(),
            "title": "Mont Blanc in a week",
            "description": "Guided hike",
            "destination": "Chamonix",
            "start_at": NOW + timedelta(days=30),
            "end_at": NOW + timedelta(days=37),
            "price": Money(Decimal("150.00")),
            "capacity": 10,
            "now": NOW,
        }
        return Trip.create(**(fields | overrides))

    return make


@pytest.fixture
def make_booking(make_trip: Callable[..., Trip]) -> Callable[..., Booking]:
    def make(trip: Trip | None = None, *, confirmed: bool = False, **overrides: Any) -> Booking:
        fields: dict[str, Any] = {
            "trip": trip or make_trip(),
            "user_id": uuid4(),
            "seats": 2,
            "expected_total": None,
            "notes": None,
            "now": NOW,
            "hold": HOLD,
        }
        booking = Booking.place(**(fields | overrides))
        if confirmed:
            booking.confirm(NOW)
        booking.pull_events()
        return booking

    return make


@pytest.fixture
def admin() -> Actor:
    return Actor(uuid4(), Role.ADMIN)
