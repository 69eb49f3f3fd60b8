"""Booking seats: placing, changing and cancelling bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import EllipsisType
from uuid import UUID

from travellr.application.payment_gateway import InvalidPaymentMethod, PaymentGateway
from travellr.application.payments import (
    NewUow,
    PaymentInProgress,
    can_see_booking,
    charge,
    expire_if_hold_ran_out,
    refund_through_gateway,
)
from travellr.application.ports import UnitOfWork
from travellr.domain import ledger
from travellr.domain.actors import Actor
from travellr.domain.bookings import Booking
from travellr.domain.errors import Forbidden, NotFound, RuleViolated
from travellr.domain.money import Money
from travellr.domain.payments import Payment, PaymentStatus
from travellr.domain.policy import DEFAULT_POLICY, CancellationPolicy


class UnknownTrip(RuleViolated):
    code = "unknown_trip"
    title = "No such trip"


@dataclass(frozen=True)
class BookingRequest:
    trip_id: UUID
    seats: int = 1
    total_price: Decimal | None = None
    notes: str | None = None
    payment_method: str | None = None


def place_booking(
    request: BookingRequest,
    *,
    actor: Actor,
    new_uow: NewUow,
    gateway: PaymentGateway,
    hold: timedelta,
    now: datetime,
) -> Booking:
    """Hold seats for a traveller, and charge the card at once when one is given."""
    if not (actor.is_traveler or actor.is_admin):
        raise Forbidden("only travellers and admins book trips")
    with new_uow() as uow:
        trip = uow.trips.take_seats(request.trip_id, request.seats, now)
        place = Booking.on_held_seats
        if trip is None:  # the domain says why (or holds them, if they were freed meanwhile)
            trip = uow.trips.get_for_update(request.trip_id)
            place = Booking.place
        if trip is None:
            raise UnknownTrip("no such trip", errors={"trip_id": ["No such trip."]})
        expected = (
            None if request.total_price is None else Money(request.total_price, trip.currency)
        )
        booking = place(
            trip=trip,
            user_id=actor.user_id,
            seats=request.seats,
            expected_total=expected,
            notes=request.notes,
            now=now,
            hold=hold,
        )
        uow.bookings.add(booking)
        payment = None
        if request.payment_method is not None:
            payment = Payment.start(
                booking=booking,
                provider=gateway.name,
                payment_method=request.payment_method,
                now=now,
            )
            uow.payments.add(payment)
        uow.commit()
    if payment is None or request.payment_method is None:
        return booking
    booking_id, method = booking.id, request.payment_method
    try:
        return charge(booking, payment, method, new_uow=new_uow, gateway=gateway, now=now)[0]
    except InvalidPaymentMethod:
        _withdraw(booking_id, actor=actor, new_uow=new_uow, now=now)
        raise


def _withdraw(booking_id: UUID, *, actor: Actor, new_uow: NewUow, now: datetime) -> None:
    """Give back the seats of a booking whose payment method was unusable: a 422 changes nothing."""
    with new_uow() as uow:
        booking = uow.bookings.get_for_update(booking_id)
        assert booking is not None
        trip = uow.trips.get_for_update(booking.trip_id)
        assert trip is not None
        booking.cancel(
            actor=actor, trip=trip, policy=DEFAULT_POLICY, reason="unusable payment method", now=now
        )
        uow.commit()


def get_booking(booking_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Booking:
    with uow:
        booking = uow.bookings.get(booking_id)
    if booking is None or not can_see_booking(actor, booking):
        raise NotFound("no such booking")
    return booking


def update_booking(
    booking_id: UUID,
    *,
    seats: int | None,
    notes: str | EllipsisType | None = ...,
    actor: Actor,
    uow: UnitOfWork,
    now: datetime,
) -> Booking:
    """Change the seats or notes of an unpaid booking (its traveller or an admin)."""
    with uow:
        booking = _visible_for_update(booking_id, actor, uow)
        if not (actor.is_admin or actor.user_id == booking.user_id):
            raise Forbidden("only the booking's traveller or an admin changes it")
        _refuse_while_charging(booking, uow)
        trip = uow.trips.get_for_update(booking.trip_id)
        assert trip is not None
        expire_if_hold_ran_out(booking, trip, uow=uow, now=now)
        booking.change(trip=trip, seats=seats, notes=notes, now=now)
        uow.commit()
    return booking


def cancel_booking(
    booking_id: UUID,
    reason: str | None,
    *,
    actor: Actor,
    uow: UnitOfWork,
    gateway: PaymentGateway,
    policy: CancellationPolicy,
    now: datetime,
) -> Booking:
    """Cancel a booking, release its seats and refund what the policy allows."""
    with uow:
        booking = _visible_for_update(booking_id, actor, uow)
        payment = _refuse_while_charging(booking, uow)
        trip = uow.trips.get_for_update(booking.trip_id)
        assert trip is not None
        refund = booking.cancel(
            actor=actor,
            trip=trip,
            policy=policy,
            reason=reason,
            now=now,
            refundable=None if payment is None else payment.refundable,
        )
        if payment is not None and refund.is_positive:
            refund_through_gateway(
                payment,
                refund,
                reason,
                booking=booking,
                uow=uow,
                gateway=gateway,
                now=now,
                cancelling=True,
            )
        if payment is not None and payment.refundable.is_positive:
            uow.ledger.record(ledger.forfeit(booking.id, payment.refundable, now))
        uow.commit()
    return booking


def cancel_pending_bookings_of(
    user_id: UUID, *, actor: Actor, uow: UnitOfWork, policy: CancellationPolicy, now: datetime
) -> None:
    """Release the seats a deactivated account still holds (inside the caller's transaction)."""
    for booking in uow.bookings.pending_of_user_for_update(user_id):
        if uow.payments.open_for_booking(booking.id) is not None:
            continue  # a charge is in flight; its outcome settles the booking
        trip = uow.trips.get_for_update(booking.trip_id)
        assert trip is not None
        booking.cancel(actor=actor, trip=trip, policy=policy, reason="account deactivated", now=now)


def _visible_for_update(booking_id: UUID, actor: Actor, uow: UnitOfWork) -> Booking:
    booking = uow.bookings.get_for_update(booking_id)
    if booking is None or not can_see_booking(actor, booking):
        raise NotFound("no such booking")
    return booking


def _refuse_while_charging(booking: Booking, uow: UnitOfWork) -> Payment | None:
    """The booking's payment, unless a charge is still in flight (its outcome would be lost)."""
    payment = uow.payments.open_for_booking(booking.id)
    if payment is not None and payment.status == PaymentStatus.PENDING:
        raise PaymentInProgress("wait for the payment to finish, then retry")
    return payment
