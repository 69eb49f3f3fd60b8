"""Publishing, editing and archiving trips through the use cases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.application.fakes import NOW, World
from travellr.application import trips
from travellr.domain.actors import Role
from travellr.domain.errors import (
    CapacityBelowTaken,
    Forbidden,
    NotFound,
    RuleViolated,
    TripHasConfirmedBookings,
)
from travellr.domain.trips import TripStatus
from travellr.domain.users import User


def _fields(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Fjords",
        "destination": "Bergen",
        "start_at": NOW + timedelta(days=10),
        "price": Decimal("99.90"),
        "capacity": 4,
        **overrides,
    }


def _user(world: World, role: Role) -> User:
    user = User.register(
        email=f"{uuid.uuid4().hex}@example.com", password_hash="x", name="U", phone=None,
        role=role, now=NOW,
    )  # fmt: skip
    world.db.users[user.id] = user
    return user


def test_a_vendor_publishes_a_trip_of_their_own() -> None:
    world = World()

    trip = trips.create_trip(_fields(), actor=world.vendor, uow=world.db.uow(), now=NOW)

    stored = world.db.trips[trip.id]
    assert stored.vendor_id == world.vendor.user_id
    assert stored.seats_left == 4
    assert stored.price == Decimal("99.90")
    assert stored.currency == "USD"


def test_a_traveller_publishes_nothing() -> None:
    world = World()

    with pytest.raises(Forbidden):
        trips.create_trip(_fields(), actor=world.traveller, uow=world.db.uow(), now=NOW)

    assert world.db.trips == {}


def test_an_admin_names_a_vendor_but_not_a_traveller() -> None:
    world = World()
    vendor, traveller = _user(world, Role.VENDOR), _user(world, Role.TRAVELER)

    trip = trips.create_trip(
        _fields(vendor_id=vendor.id), actor=world.admin, uow=world.db.uow(), now=NOW
    )
    with pytest.raises(RuleViolated):
        trips.create_trip(
            _fields(vendor_id=traveller.id), actor=world.admin, uow=world.db.uow(), now=NOW
        )

    assert [t.vendor_id for t in world.db.trips.values()] == [vendor.id]
    assert trip.vendor_id == vendor.id


def test_another_vendor_cannot_edit_or_archive() -> None:
    world = World()
    trip = world.trip()
    other = World().vendor

    with pytest.raises(Forbidden):
        trips.update_trip(trip.id, {"title": "Mine"}, actor=other, uow=world.db.uow(), now=NOW)
    with pytest.raises(Forbidden):
        trips.archive_trip(trip.id, actor=other, uow=world.db.uow(), now=NOW)

    assert world.db.trips[trip.id].title == "Mont Blanc"
    assert world.db.trips[trip.id].status == TripStatus.ACTIVE


def test_capacity_never_drops_below_the_seats_held() -> None:
    world = World()
    trip = world.trip(capacity=5)
    world.book(trip, seats=3)

    with pytest.raises(CapacityBelowTaken):
        trips.update_trip(trip.id, {"capacity": 2}, actor=world.vendor, uow=world.db.uow(), now=NOW)

    assert world.db.trips[trip.id].capacity == 5


def test_a_trip_with_confirmed_bookings_stays_on_sale_but_pending_ones_do_not_block() -> None:
    world = World()
    paid_trip, held_trip = world.trip(), world.trip()
    world.paid_booking(paid_trip)
    world.book(held_trip)

    with pytest.raises(TripHasConfirmedBookings):
        trips.archive_trip(paid_trip.id, actor=world.vendor, uow=world.db.uow(), now=NOW)
    trips.archive_trip(held_trip.id, actor=world.admin, uow=world.db.uow(), now=NOW)

    assert world.db.trips[paid_trip.id].status == TripStatus.ACTIVE
    assert world.db.trips[held_trip.id].status == TripStatus.ARCHIVED


def test_an_unknown_trip_is_not_found() -> None:
    world = World()

    with pytest.raises(NotFound):
        trips.get_trip(uuid.uuid4(), uow=world.db.uow())
    with pytest.raises(NotFound):
        trips.update_trip(uuid.uuid4(), {}, actor=world.admin, uow=world.db.uow(), now=NOW)
