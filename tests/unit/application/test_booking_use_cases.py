"""Placing, changing and cancelling bookings through the use cases, with time passed in."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.unit.application.fakes import NOW, World
from travellr.application.bookings import UnknownTrip, cancel_booking, update_booking
from travellr.domain.actors import Actor, Role
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import (
    Forbidden,
    NotFound,
    PaymentDeclined,
    PaymentGatewayError,
    SoldOut,
)
from travellr.domain.money import DEFAULT_COMMISSION
from travellr.domain.payments import PaymentInProgress, PaymentStatus
from travellr.domain.policy import DEFAULT_POLICY
from travellr.domain.trips import Trip


def _cancel(world: World, booking: Booking, actor: Actor, *, days_before: float = 30) -> Booking:
    trip_date = world.db.trips[booking.trip_id].start_at
    return cancel_booking(
        booking.id,
        None,
        actor=actor,
        uow=world.db.uow(),
        gateway=world.gateway,
        policy=DEFAULT_POLICY,
        commission=DEFAULT_COMMISSION,
        now=trip_date - timedelta(days=days_before),
    )


def _seats_left(world: World, trip: Trip) -> int:
    return world.db.trips[trip.id].seats_left


def test_a_booking_holds_seats_pending_payment() -> None:
    world = World()
    trip = world.trip(capacity=3)

    booking = world.book(trip, seats=2)

    assert world.db.bookings[booking.id].status == BookingStatus.PENDING
    assert world.db.bookings[booking.id].total_price == Decimal("300.00")
    assert world.db.bookings[booking.id].expires_at == NOW + timedelta(minutes=30)
    assert _seats_left(world, trip) == 1
    with pytest.raises(SoldOut):
        world.book(trip, seats=2)
    assert _seats_left(world, trip) == 1


def test_vendors_cannot_book_and_an_unknown_trip_is_refused() -> None:
    world = World()
    trip = world.trip()

    with pytest.raises(Forbidden):
        world.book(trip, actor=world.vendor)
    with pytest.raises(UnknownTrip):
        world.book(_ghost_trip(world))

    assert world.db.bookings == {}
    assert _seats_left(world, trip) == 10


def _ghost_trip(world: World) -> Trip:
    trip = world.trip()
    del world.db.trips[trip.id]
    return trip


def test_paying_at_once_confirms_and_a_decline_leaves_it_pending() -> None:
    world = World()
    trip = world.trip()

    paid = world.book(trip, payment_method="pm_card_visa")
    with pytest.raises(PaymentDeclined) as declined:
        world.book(trip, payment_method="pm_card_chargeDeclined")

    assert world.db.bookings[paid.id].status == BookingStatus.CONFIRMED
    held = world.db.bookings[uuid.UUID(str(declined.value.extra["booking_id"]))]
    assert held.status == BookingStatus.PENDING
    assert world.payment_of(held.id).status == PaymentStatus.FAILED
    assert _seats_left(world, trip) == 8


def test_a_timeout_when_paying_at_once_leaves_a_pending_payment_that_blocks_changes() -> None:
    world = World()
    world.gateway.timeouts = 1
    trip = world.trip()

    with pytest.raises(PaymentGatewayError):
        world.book(trip, payment_method="pm_card_visa")

    (booking,) = world.db.bookings.values()
    assert booking.status == BookingStatus.PENDING
    assert world.payment_of(booking.id).status == PaymentStatus.PENDING
    with pytest.raises(PaymentInProgress):
        _cancel(world, booking, world.traveller)
    assert world.db.bookings[booking.id].status == BookingStatus.PENDING
    assert world.pay(booking.id).id == world.payment_of(booking.id).id
    assert len(world.gateway.charges) == 1


@pytest.mark.parametrize(
    ("days_before", "refunded"),
    [(8, "300.00"), (7, "300.00"), (3, "150.00"), (2, "150.00"), (1, "0.00")],
)
def test_a_traveller_cancelling_gets_what_the_notice_earns(
    days_before: float, refunded: str
) -> None:
    world = World()
    booking = world.paid_booking()

    cancelled = _cancel(world, booking, world.traveller, days_before=days_before)

    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.refund_amount == Decimal(refunded)
    assert world.db.payments[world.payment_of(booking.id).id].amount_refunded == Decimal(refunded)
    assert sum(r.amount for r in world.db.refunds.values()) == Decimal(refunded)


@pytest.mark.parametrize("who", ["vendor", "admin"])
def test_a_vendor_or_admin_cancelling_refunds_all(who: str) -> None:
    world = World()
    trip = world.trip()
    booking = world.paid_booking(trip)

    cancelled = _cancel(world, booking, getattr(world, who), days_before=0.5)

    assert cancelled.refund_amount == Decimal("300.00")
    assert world.payment_of(booking.id).status == PaymentStatus.REFUNDED
    assert _seats_left(world, trip) == 10


def test_cancelling_an_unpaid_booking_refunds_nothing_and_frees_the_seats() -> None:
    world = World()
    trip = world.trip()
    booking = world.book(trip, seats=3)

    cancelled = _cancel(world, booking, world.traveller)

    assert cancelled.refund_amount == Decimal("0.00")
    assert world.gateway.refunds == {}
    assert _seats_left(world, trip) == 10


def test_a_refund_failing_at_the_gateway_leaves_the_booking_confirmed() -> None:
    world = World()
    trip = world.trip()
    booking = world.paid_booking(trip)
    world.gateway.refund_failures = 1

    with pytest.raises(PaymentGatewayError):
        _cancel(world, booking, world.vendor)

    assert world.db.bookings[booking.id].status == BookingStatus.CONFIRMED
    assert world.payment_of(booking.id).amount_refunded == Decimal("0.00")
    assert world.db.refunds == {}
    assert _seats_left(world, trip) == 8


def test_strangers_do_not_see_a_booking_to_cancel_or_change_it() -> None:
    world = World()
    booking = world.book(world.trip())
    stranger = Actor(uuid.uuid4(), Role.TRAVELER)

    with pytest.raises(NotFound):
        _cancel(world, booking, stranger)
    with pytest.raises(NotFound):
        update_booking(booking.id, seats=2, notes=None, actor=stranger, uow=world.db.uow(), now=NOW)

    assert world.db.bookings[booking.id].status == BookingStatus.PENDING
    assert world.db.bookings[booking.id].seats == 1


def test_changing_seats_follows_the_price_and_the_vendor_may_not() -> None:
    world = World()
    trip = world.trip(capacity=3)
    booking = world.book(trip)

    changed = update_booking(
        booking.id, seats=3, notes="Window", actor=world.traveller, uow=world.db.uow(), now=NOW
    )
    with pytest.raises(Forbidden):
        update_booking(
            booking.id, seats=1, notes=None, actor=world.vendor, uow=world.db.uow(), now=NOW
        )

    assert changed.total_price == Decimal("450.00")
    assert world.db.bookings[booking.id].seats == 3
    assert _seats_left(world, trip) == 0
