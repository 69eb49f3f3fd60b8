"""Steps of a booking's life that more than one use case takes: the vendor check, expiring a
hold that ran out, refunding through the gateway and cancelling the holds of a deactivated
account (in the caller's unit of work), charging and settling a payment (in units of work of
their own, so that no lock is held while the gateway answers).

Use-case modules share these, and the domain's rules, rather than import one another: an
import-linter contract keeps them independent.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from travellr.application.audit import record_transition
from travellr.application.ports.payments import (
    ChargeResult,
    ChargeStatus,
    InvalidPaymentMethod,
    PaymentGateway,
)
from travellr.application.ports.persistence import NewUow, UnitOfWork
from travellr.domain import ledger
from travellr.domain.actors import SYSTEM, Actor
from travellr.domain.audit import AuditAction
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import Conflict, InvalidTransition, PaymentDeclined, TripNotBookable
from travellr.domain.money import CommissionRate, Money
from travellr.domain.payments import Payment, PaymentStatus, Refund
from travellr.domain.payouts import PayoutInProgress, PayoutStatus
from travellr.domain.policy import CancellationPolicy
from travellr.domain.trips import Trip


def ensure_vendor_sells(trip: Trip, uow: UnitOfWork) -> None:
    """A deactivated vendor's trips take no more bookings or payments; what it sold stays."""
    vendor = uow.users.get(trip.vendor_id)
    if vendor is None or not vendor.is_active:
        raise TripNotBookable("the trip's vendor no longer sells it", trip_id=str(trip.id))


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
            settled = settle_under_lock(uow, payment_id, result, now)
            assert settled is not None, "a committed payment cannot vanish"
            uow.commit()
        return settled


def settle_under_lock(
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


def refund_through_gateway(
    payment: Payment,
    amount: Money | None,
    reason: str | None,
    *,
    actor: Actor,
    booking: Booking,
    uow: UnitOfWork,
    gateway: PaymentGateway,
    commission: CommissionRate,
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
            commission=commission,
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


def cancel_pending_bookings_of(
    user_id: UUID, *, actor: Actor, uow: UnitOfWork, policy: CancellationPolicy, now: datetime
) -> None:
    """Release the seats a deactivated account still holds (inside the caller's transaction)."""
    for booking in uow.bookings.pending_of_user_for_update(user_id):
        if uow.payments.open_for_booking(booking.id) is not None:
            continue  # a charge is in flight; its outcome settles the booking
        trip = uow.trips.get_for_update(booking.trip_id)
        assert trip is not None
        reason = "account deactivated"
        booking.cancel(actor=actor, trip=trip, policy=policy, reason=reason, now=now)
        record_cancellation(uow, actor, booking, BookingStatus.PENDING, reason, now)


def record_cancellation(
    uow: UnitOfWork, actor: Actor, booking: Booking, was: str, reason: str | None, now: datetime
) -> None:
    """The audit entry of a cancellation, with the refund it decided."""
    refund = [None, booking.refund_amount]
    record_transition(
        uow,
        actor,
        AuditAction.BOOKING_CANCELLED,
        booking,
        was,
        now=now,
        reason=reason,
        refund_amount=refund,
    )
