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

from travellr.application.audit import record_transition
from travellr.application.ports.payments import (
    ChargeResult,
    ChargeStatus,
    InvalidPaymentMethod,
    PaymentGateway,
)
from travellr.application.ports.persistence import NewUow, UnitOfWork
from travellr.application.trips import ensure_vendor_sells
from travellr.domain import ledger
from travellr.domain.actors import SYSTEM, Actor
from travellr.domain.audit import AuditAction
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound, PaymentDeclined
from travellr.domain.money import DEFAULT_COMMISSION, Money
from travellr.domain.payments import Payment, PaymentInProgress, PaymentStatus, Refund
from travellr.domain.payouts import PayoutInProgress, PayoutStatus
from travellr.domain.trips import Trip


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


def expire_if_hold_ran_out(booking: Booking, trip: Trip, *, uow: UnitOfWork, now: datetime) -> None:
    """A pending booking whose hold ran out before the expiry job came by expires now (409)."""
    if booking.status == BookingStatus.PENDING and booking.expires_at <= now:
        booking.expire(trip=trip, now=now)
        record_expiry(uow, booking, now)
        uow.commit()
        raise InvalidTransition("the booking's hold ran out: it has expired")


def record_expiry(uow: UnitOfWork, booking: Booking, now: datetime) -> None:
    """The system expires a hold, whoever's request found it had run out."""
    record_transition(
        uow,
        SYSTEM,
        AuditAction.BOOKING_EXPIRED,
        booking,
        BookingStatus.PENDING,
        now=now,
        reason="the hold ran out unpaid",
    )


def charge(
    booking: Booking,
    payment: Payment,
    payment_method: str,
    *,
    new_uow: NewUow,
    gateway: PaymentGateway,
    now: datetime,
) -> tuple[Booking, Payment]:
    """Charge a committed pending payment and settle it. A payment method the gateway refuses
    (declined, unknown, expired) fails the payment with a 402; the booking stays pending."""
    try:
        result = gateway.charge(
            amount=payment.amount_money,
            payment_method=payment_method,
            idempotency_key=f"payment:{payment.id}",
            metadata={"payment_id": str(payment.id), "booking_id": str(payment.booking_id)},
        )
    except InvalidPaymentMethod as error:
        result = ChargeResult(ChargeStatus.DECLINED, None, error.detail)
    booking, payment = settle(booking, payment, result, new_uow=new_uow, now=now)
    if payment.status == PaymentStatus.FAILED:
        raise PaymentDeclined(
            payment.failure_message or "the card was declined",
            booking_id=str(booking.id),
            payment_id=str(payment.id),
        )
    return booking, payment


def settle(
    booking: Booking, payment: Payment, result: ChargeResult, *, new_uow: NewUow, now: datetime
) -> tuple[Booking, Payment]:
    """Record the gateway's answer once; whoever settles first (request or webhook) wins.

    The booking and the pending payment, as committed before the charge, are settled without
    reading them again: their UPDATEs only match while both are still pending. If either
    moved meanwhile (a webhook settled first), the answer is applied to the rows as they are
    now, under lock.
    """
    payment_id = payment.id  # a failed attempt leaves the objects expired, unreadable
    try:
        with new_uow() as uow:
            uow.bookings.attach(booking)
            uow.payments.attach(payment)
            _apply(uow, booking, payment, result, now)
            uow.commit()
        return booking, payment
    except Conflict:
        with new_uow() as uow:
            settled = _settle_in(uow, payment_id, result, now)
            assert settled is not None, "a committed payment cannot vanish"
            uow.commit()
        return settled


def _settle_in(
    uow: UnitOfWork, payment_id: UUID, result: ChargeResult, now: datetime
) -> tuple[Booking, Payment] | None:
    """The booking and payment, locked, after the gateway's answer; None for an unknown payment."""
    locked = uow.payments.with_booking_for_update(payment_id)
    if locked is None:
        return None
    booking, payment = locked
    _apply(uow, booking, payment, result, now)
    return booking, payment


def _apply(
    uow: UnitOfWork, booking: Booking, payment: Payment, result: ChargeResult, now: datetime
) -> None:
    if payment.status != PaymentStatus.PENDING:
        return  # settled already
    if result.status == ChargeStatus.SUCCEEDED:
        payment.succeed(provider_ref=result.provider_ref, now=now)
        booking.confirm(now)
        uow.ledger.record(ledger.charge(payment.id, payment.amount_money, now))
    elif result.status == ChargeStatus.DECLINED:
        payment.fail(message=result.failure_message, provider_ref=result.provider_ref, now=now)


def refund_payment(
    payment_id: UUID,
    amount: Decimal | None,
    reason: str | None,
    *,
    actor: Actor,
    uow: UnitOfWork,
    gateway: PaymentGateway,
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
            now=now,
        )
        booking.note_refunds(payment.refunded_money, now)
        uow.commit()
    return refund


def refund_through_gateway(
    payment: Payment,
    amount: Money | None,
    reason: str | None,
    *,
    actor: Actor,
    booking: Booking,
    uow: UnitOfWork,
    gateway: PaymentGateway,
    now: datetime,
    cancelling: bool = False,
) -> Refund:
    """Book the refund against the locked payment, then have the gateway pay it back.

    `cancelling`: the refund a cancellation decides, taken from the deposit before the
    cancellation keeps the rest.
    """
    completed = booking.status == BookingStatus.COMPLETED
    paid_out = None
    if completed:
        uow.users.get_for_update(booking.vendor_id)  # the vendor's takings change
        paid_out = uow.payouts.payout_of(booking.id)
        if paid_out is not None and paid_out.status == PayoutStatus.PENDING:
            # Whether the refund comes out of the takings or back from the vendor depends on
            # how the transfer ends: the payout's bookings are released if it fails.
            raise PayoutInProgress("the booking is being paid out; retry once that is settled")
    was, refunded_before = payment.status, payment.amount_refunded
    refund = payment.refund(amount=amount, reason=reason, now=now)
    refunded = Money(refund.amount, refund.currency)
    provider_ref = gateway.refund(
        provider_ref=payment.provider_ref or "",
        amount=refunded,
        idempotency_key=f"refund:{refund.id}",
    )
    refund.succeed(provider_ref=provider_ref)
    uow.refunds.add(refund)
    record_transition(
        uow,
        actor,
        AuditAction.PAYMENT_REFUNDED,
        payment,
        was,
        now=now,
        reason=reason,
        amount_refunded=[refunded_before, payment.amount_refunded],
        refund_id=[None, refund.id],
    )
    clawback = None
    if paid_out is not None:
        clawback = ledger.clawback_for(
            refunded,
            net_paid_out=Money(paid_out.standing_net, refund.currency),
            commission=DEFAULT_COMMISSION,
        )
        uow.payouts.add_adjustment(
            refund_id=refund.id,
            vendor_id=booking.vendor_id,
            amount=clawback.amount,
            currency=clawback.currency,
            now=now,
        )
    uow.ledger.record(
        ledger.refund(
            refund.id,
            refunded,
            vendor_id=booking.vendor_id,
            source=ledger.refund_source(
                vendor_id=booking.vendor_id,
                completed=completed,
                cancelled=booking.status == BookingStatus.CANCELLED and not cancelling,
            ),
            clawback=clawback,
            now=now,
        )
    )
    return refund


def get_payment(payment_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Payment:
    with uow:
        payment = uow.payments.get(payment_id)
        booking = uow.bookings.get(payment.booking_id) if payment else None
    if payment is None or booking is None or not booking.is_visible_to(actor):
        raise NotFound("no such payment")
    return payment


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
            _settle_in(uow, payment_id, result, now)
        uow.commit()
