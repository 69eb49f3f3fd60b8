"""Paying for bookings and refunding payments.

A charge runs outside any database transaction, so no row lock is held while the card
processor answers: the payment is first committed as `pending` under an id that is also the
gateway's idempotency key, then charged, then settled. A timeout leaves it pending; a retry
reuses it, and so its key, which is what keeps a retry from charging twice.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from travellr.application.booking_steps import (
    charge,
    ensure_vendor_sells,
    expire_if_hold_ran_out,
    refund_through_gateway,
    settle_under_lock,
)
from travellr.application.ports.payments import ChargeResult, PaymentGateway
from travellr.application.ports.persistence import NewUow, UnitOfWork
from travellr.application.ports.queries import ListQueries, Page, PageRequest
from travellr.domain.actors import Actor
from travellr.domain.bookings import BookingStatus
from travellr.domain.errors import Forbidden, InvalidTransition, NotFound
from travellr.domain.money import CommissionRate, Money
from travellr.domain.payments import Payment, PaymentInProgress, PaymentStatus, Refund


def pay_booking(
    booking_id: UUID,
    payment_method: str,
    *,
    actor: Actor,
    new_uow: NewUow,
    gateway: PaymentGateway,
    now: datetime,
) -> Payment:
    """Pay a pending booking by card; it is confirmed when the charge succeeds."""
    with new_uow() as uow:
        booking = uow.bookings.get_for_update(booking_id)
        if booking is None or not booking.is_visible_to(actor):
            raise NotFound("no such booking")
        if booking.user_id != actor.user_id:
            raise Forbidden("only the booking's traveller pays for it")
        payment = uow.payments.open_for_booking(booking.id)
        # Locked, so that archiving waits for this charge's payment row, and then refuses.
        trip = uow.trips.get_for_update(booking.trip_id)
        if booking.status != BookingStatus.PENDING or (
            payment is not None and payment.status != PaymentStatus.PENDING
        ):
            raise InvalidTransition(f"the booking is {booking.status}, not pending")
        assert trip is not None
        if payment is None:
            expire_if_hold_ran_out(booking, trip, uow=uow, now=now)
        trip.ensure_bookable(now)  # an archived or started trip takes no more payments
        ensure_vendor_sells(trip, uow)
        if payment is None:
            payment = Payment.start(
                booking=booking, provider=gateway.name, payment_method=payment_method, now=now
            )
            uow.payments.add(payment)
        elif payment.payment_method not in (None, payment_method):
            # Its key is the payment's: the gateway would refuse (Stripe) or answer for the
            # other card (the mock). The answer of that charge comes first.
            raise PaymentInProgress("a charge with another payment method is still in flight")
        else:
            payment.attempt(payment_method, now)
        uow.commit()
    return charge(booking, payment, payment_method, new_uow=new_uow, gateway=gateway, now=now)[1]


def refund_payment(
    payment_id: UUID,
    amount: Decimal | None,
    reason: str | None,
    *,
    actor: Actor,
    uow: UnitOfWork,
    gateway: PaymentGateway,
    commission: CommissionRate,
    now: datetime,
) -> Refund:
    """Refund part or all of what is left of a payment (admins and the trip's vendor)."""
    with uow:
        # The booking too: its refund_amount is the sum of its payment's refunds.
        locked = uow.payments.with_booking_for_update(payment_id)
        if locked is None or not locked[0].is_visible_to(actor):
            raise NotFound("no such payment")
        booking, payment = locked
        if not (actor.is_admin or actor.user_id == booking.vendor_id):
            raise Forbidden("only an admin or the trip's vendor refunds")
        requested = None if amount is None else Money(amount, payment.currency)
        refund = refund_through_gateway(
            payment,
            requested,
            reason,
            actor=actor,
            booking=booking,
            uow=uow,
            gateway=gateway,
            commission=commission,
            now=now,
        )
        booking.note_refunds(payment.refunded_money, now)
        uow.commit()
    return refund


def get_payment(payment_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Payment:
    with uow:
        payment = uow.payments.get(payment_id)
        booking = uow.bookings.get(payment.booking_id) if payment else None
    if payment is None or booking is None or not booking.is_visible_to(actor):
        raise NotFound("no such payment")
    return payment


def list_payments(
    page: PageRequest,
    *,
    booking_id: UUID | None,
    status: str | None,
    actor: Actor,
    queries: ListQueries,
) -> Page:
    """The payments `actor` may see, newest first: a traveller's own, those on a vendor's
    trips, every one for an admin."""
    return queries.payments(actor, booking_id=booking_id, status=status, page=page)


def list_refunds(
    payment_id: UUID, page: PageRequest, *, actor: Actor, uow: UnitOfWork, queries: ListQueries
) -> Page:
    """A payment's refunds, newest first, for whoever may see the payment; they add up to its
    `amount_refunded` (and its booking's `refund_amount`)."""
    get_payment(payment_id, actor=actor, uow=uow)
    return queries.refunds(payment_id, page)


def handle_provider_event(
    event_id: str,
    event_type: str,
    *,
    payment_id: UUID | None,
    result: ChargeResult,
    uow: UnitOfWork,
    now: datetime,
) -> None:
    """Settle a payment from the provider's webhook; each event id is handled once."""
    with uow:
        if not uow.webhook_events.first_time(event_id, event_type, now=now):
            return
        if payment_id is not None:
            settle_under_lock(uow, payment_id, result, now)
        uow.commit()
