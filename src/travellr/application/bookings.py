"""Booking seats: placing, changing and cancelling bookings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import EllipsisType
from uuid import UUID

from travellr.application.booking_steps import (
    charge,
    ensure_vendor_sells,
    expire_if_hold_ran_out,
    record_cancellation,
    refund_through_gateway,
)
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.persistence import NewUow, UnitOfWork
from travellr.application.ports.queries import BookingFilters, ListQueries, Page, PageRequest
from travellr.domain import ledger
from travellr.domain.actors import Actor, ensure_admin
from travellr.domain.audit import AuditAction, diff, fields_of
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import DomainError, Forbidden, NotFound, RuleViolated
from travellr.domain.money import CommissionRate, Money
from travellr.domain.payments import Payment, PaymentInProgress, PaymentStatus
from travellr.domain.policy import CancellationPolicy
from travellr.domain.trips import Trip


class UnknownTrip(RuleViolated):
    code = "unknown_trip"
    title = "No such trip"


CHANGEABLE = ("seats", "total_price", "notes")  # what an update may change, for the audit log
Placed = tuple[Booking, Payment | None]
Placing = Callable[..., Booking]  # Booking.place, or Booking.on_held_seats


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
    new = _NewBooking(request, actor, gateway.name, hold, now)
    booking, payment = _place_on_recent_copy(new, new_uow) or _place_under_lock(new, new_uow)
    if payment is None or request.payment_method is None:
        return booking
    # A refused card (402) leaves the booking pending, holding its seats for another card.
    method = request.payment_method
    return charge(booking, payment, method, new_uow=new_uow, gateway=gateway, now=now)[0]


@dataclass(frozen=True)
class _NewBooking:
    request: BookingRequest
    actor: Actor
    provider: str
    hold: timedelta
    now: datetime

    def on(self, trip: Trip, place: Placing) -> Placed:
        """The booking, placed by `place` on the trip, and its payment if it is paid at once."""
        request = self.request
        expected = (
            None if request.total_price is None else Money(request.total_price, trip.currency)
        )
        booking = place(
            trip=trip,
            user_id=self.actor.user_id,
            seats=request.seats,
            expected_total=expected,
            notes=request.notes,
            now=self.now,
            hold=self.hold,
        )
        if request.payment_method is None:
            return booking, None
        payment = Payment.start(
            booking=booking,
            provider=self.provider,
            payment_method=request.payment_method,
            now=self.now,
        )
        return booking, payment


def _place_on_recent_copy(new: _NewBooking, new_uow: NewUow) -> Placed | None:
    """The usual case, written in one go: the booking is placed on a recent copy of the trip,
    and the database holds its seats only if the trip still matches the copy. None when it
    does not, or when the copy refuses the booking: the copy may be out of date, so the locked
    path decides, on the trip as it is."""
    with new_uow() as uow:
        trip = uow.trips.recent(new.request.trip_id)
        if trip is None:
            return None
        try:
            trip.ensure_can_hold(new.request.seats, new.now)
            booking, payment = new.on(trip, Booking.on_held_seats)
        except DomainError:
            return None
        if not uow.commit_booking(booking, payment, trip=trip):
            return None
    return booking, payment


def _place_under_lock(new: _NewBooking, new_uow: NewUow) -> Placed:
    """The booking decided on the trip as it is now, locked: the domain says why it cannot be."""
    with new_uow() as uow:
        trip = uow.trips.get_for_update(new.request.trip_id)
        if trip is None:
            raise UnknownTrip("no such trip", errors={"trip_id": ["No such trip."]})
        ensure_vendor_sells(trip, uow)
        booking, payment = new.on(trip, Booking.place)
        uow.bookings.add(booking)
        if payment is not None:
            uow.payments.add(payment)
        uow.commit()
    return booking, payment


def get_booking(booking_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Booking:
    with uow:
        booking = uow.bookings.get(booking_id)
    if booking is None or not booking.is_visible_to(actor):
        raise NotFound("no such booking")
    return booking


def list_bookings(
    filters: BookingFilters, page: PageRequest, *, actor: Actor, queries: ListQueries
) -> Page:
    """The bookings `actor` may see, newest first: a traveller's own, those on a vendor's trips,
    every one for an admin."""
    return queries.bookings(actor, filters, page)


def list_all_bookings(
    filters: BookingFilters, page: PageRequest, *, actor: Actor, queries: ListQueries
) -> Page:
    """Every booking, by traveller, vendor or in the archive: admins only (403 for anyone else)."""
    ensure_admin(actor)
    return list_bookings(filters, page, actor=actor, queries=queries)


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
        before = fields_of(booking, CHANGEABLE)
        booking.change(trip=trip, seats=seats, notes=notes, now=now)
        changed = diff(before, fields_of(booking, CHANGEABLE))
        if changed:
            uow.audit.record(
                actor, AuditAction.BOOKING_UPDATED, "booking", booking.id, now=now, changes=changed
            )
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
    commission: CommissionRate,
    now: datetime,
) -> Booking:
    """Cancel a booking, release its seats and refund what the policy allows."""
    with uow:
        booking, payment, refund, was = _cancel_in(uow, booking_id, reason, actor, policy, now)
        record_cancellation(uow, actor, booking, was, reason, now)
        if payment is not None and refund.is_positive:
            refund_through_gateway(
                payment,
                refund,
                reason,
                actor=actor,
                booking=booking,
                uow=uow,
                gateway=gateway,
                commission=commission,
                now=now,
                cancelling=True,
            )
        if payment is not None:
            booking.note_refunds(payment.refunded_money, now)
            if payment.refundable.is_positive:
                uow.ledger.record(ledger.forfeit(booking.id, payment.refundable, now))
        uow.commit()
    return booking


def preview_cancellation(
    booking_id: UUID,
    *,
    actor: Actor,
    uow: UnitOfWork,
    policy: CancellationPolicy,
    now: datetime,
) -> tuple[Booking, Money]:
    """The booking and what cancelling it now would refund: `cancel_booking`'s own steps,
    rolled back (the unit of work is left without a commit), so the figure cannot differ."""
    with uow:
        booking, _payment, refund, _was = _cancel_in(uow, booking_id, None, actor, policy, now)
    return booking, refund


def _cancel_in(
    uow: UnitOfWork,
    booking_id: UUID,
    reason: str | None,
    actor: Actor,
    policy: CancellationPolicy,
    now: datetime,
) -> tuple[Booking, Payment | None, Money, BookingStatus]:
    """Cancel in `uow`, uncommitted: the booking, its payment, the refund, the status it had."""
    booking = _visible_for_update(booking_id, actor, uow)
    payment = _refuse_while_charging(booking, uow)
    trip = uow.trips.get_for_update(booking.trip_id)
    assert trip is not None
    was = booking.status
    refund = booking.cancel(
        actor=actor,
        trip=trip,
        policy=policy,
        reason=reason,
        now=now,
        refundable=None if payment is None else payment.refundable,
    )
    return booking, payment, refund, was


def _visible_for_update(booking_id: UUID, actor: Actor, uow: UnitOfWork) -> Booking:
    booking = uow.bookings.get_for_update(booking_id)
    if booking is None or not booking.is_visible_to(actor):
        raise NotFound("no such booking")
    return booking


def _refuse_while_charging(booking: Booking, uow: UnitOfWork) -> Payment | None:
    """The booking's payment, unless a charge is still in flight (its outcome would be lost)."""
    payment = uow.payments.open_for_booking(booking.id)
    if payment is not None and payment.status == PaymentStatus.PENDING:
        raise PaymentInProgress("wait for the payment to finish, then retry")
    return payment
