"""Paying vendors their share, and completing the bookings whose trips have taken place."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from travellr.application.audit import record_transition
from travellr.application.ports.payouts import NoPayoutAccount, PayoutGateway
from travellr.application.ports.persistence import NewUow, UnitOfWork
from travellr.domain import ledger
from travellr.domain.actors import SYSTEM, Actor, Role
from travellr.domain.audit import AuditAction, created, fields_of
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import Forbidden, NotFound, NothingToPay, RuleViolated
from travellr.domain.money import SETTLEMENT_CURRENCY, CommissionRate, Money
from travellr.domain.payouts import (
    PAYOUT_MINIMUM,
    Payout,
    PayoutInProgress,
    PayoutStatus,
)

PAYOUT_FIELDS = (
    "vendor_id",
    "period_start",
    "period_end",
    "gross_amount",
    "refunded_amount",
    "adjustment_amount",
    "vendor_amount",
    "platform_fee",
    "booking_count",
    "currency",
    "status",
)


def pay_vendor(
    vendor_id: UUID,
    period_start: date,
    period_end: date,
    *,
    actor: Actor,
    new_uow: NewUow,
    gateway: PayoutGateway,
    commission: CommissionRate,
    now: datetime,
    minimum: Money = PAYOUT_MINIMUM,
    resume_any_pending: bool = False,
) -> Payout:
    """Pay a vendor 80 % of its completed bookings' takings in the period, net of refunds and
    of what it owes back; every booking is paid at most once.

    A payout still pending for the vendor is transferred again first: for the same period
    only, unless `resume_any_pending` (the scheduler, whose period moves with the day).

    Like a card charge, the transfer runs outside any transaction: the payout is committed
    `pending` with its bookings, then transferred under a key derived from its id, then
    settled. A transfer whose outcome is unknown leaves it pending, and the retry transfers
    the same payout under the same key, so the provider can never pay it twice.
    """
    _check_request(vendor_id, period_start, period_end, actor)
    payout, account = _prepare(
        vendor_id,
        period_start,
        period_end,
        actor=actor,
        uow=new_uow(),
        commission=commission,
        minimum=minimum,
        now=now,
        resume_any_pending=resume_any_pending,
    )
    try:
        reference = gateway.transfer(
            vendor_id=vendor_id,
            account=account,
            amount=payout.vendor_money,
            idempotency_key=f"payout:{payout.id}",
        )
    except NoPayoutAccount:
        _settle(payout.id, None, actor=actor, uow=new_uow(), now=now)
        raise
    return _settle(payout.id, reference, actor=actor, uow=new_uow(), now=now)


def _prepare(
    vendor_id: UUID,
    period_start: date,
    period_end: date,
    *,
    actor: Actor,
    uow: UnitOfWork,
    commission: CommissionRate,
    minimum: Money,
    now: datetime,
    resume_any_pending: bool,
) -> tuple[Payout, str | None]:
    """The vendor's pending payout, made and committed now unless one is already in flight."""
    with uow:
        payout, account, in_flight = _payout_in(
            uow, vendor_id, period_start, period_end, commission, minimum, now, resume_any_pending
        )
        if in_flight:
            return payout, account
        uow.payouts.add(payout)
        uow.payouts.link(payout)  # exactly the bookings just totalled
        uow.audit.record(
            actor,
            AuditAction.PAYOUT_CREATED,
            "payout",
            payout.id,
            now=now,
            changes=created(fields_of(payout, PAYOUT_FIELDS)),
        )
        uow.commit()
    return payout, account


def preview_payout(
    vendor_id: UUID,
    period_start: date,
    period_end: date,
    *,
    actor: Actor,
    uow: UnitOfWork,
    commission: CommissionRate,
    now: datetime,
    minimum: Money = PAYOUT_MINIMUM,
) -> Payout:
    """What `pay_vendor` would pay now for the period, by its own steps, and nothing done:
    the unit of work is left without a commit (refusals such as below_minimum are raised)."""
    _check_request(vendor_id, period_start, period_end, actor)
    with uow:
        payout, _account, _in_flight = _payout_in(
            uow, vendor_id, period_start, period_end, commission, minimum, now, False
        )
    return payout


def _check_request(vendor_id: UUID, period_start: date, period_end: date, actor: Actor) -> None:
    if period_end < period_start:
        raise RuleViolated(
            "period_end is before period_start",
            errors={"period_end": ["Must not be before period_start."]},
        )
    if not actor.is_admin:
        if not (actor.is_vendor and actor.user_id == vendor_id):
            raise NotFound("no such vendor")  # another user's payouts are out of sight
        raise Forbidden("only admins pay vendors")


def _payout_in(
    uow: UnitOfWork,
    vendor_id: UUID,
    period_start: date,
    period_end: date,
    commission: CommissionRate,
    minimum: Money,
    now: datetime,
    resume_any_pending: bool,
) -> tuple[Payout, str | None, bool]:
    """The payout to transfer (uncommitted if new), the vendor's account, and whether it is
    one already in flight."""
    # The vendor's row lock serialises everything that changes its takings: payouts,
    # completions and refunds, so concurrent payouts see each other's work. Every use
    # case takes its locks in one order (booking, trip, payment, vendor): no deadlocks.
    vendor = uow.users.get_for_update(vendor_id)
    if vendor is None or vendor.role is not Role.VENDOR:
        raise NotFound("no such vendor")
    pending = uow.payouts.pending_for(vendor_id)
    if pending is not None:
        same_period = (pending.period_start, pending.period_end) == (period_start, period_end)
        if not (same_period or resume_any_pending):
            raise PayoutInProgress("finish the vendor's pending payout first (retry it)")
        return pending, vendor.payout_account, True
    takings = uow.payouts.takings(vendor_id, period_start, period_end)
    if takings.booking_count == 0 and uow.payouts.has_payout_for(
        vendor_id, period_start, period_end
    ):
        raise NothingToPay("every booking of this period has been paid out already")
    payout = Payout.compute(
        vendor_id=vendor_id,
        period_start=period_start,
        period_end=period_end,
        gross=Money(takings.gross, SETTLEMENT_CURRENCY),
        refunded=Money(takings.refunded, SETTLEMENT_CURRENCY),
        adjustment=Money(uow.payouts.open_adjustments(vendor_id), SETTLEMENT_CURRENCY),
        booking_count=takings.booking_count,
        commission=commission,
        now=now,
        minimum=minimum,
    )
    return payout, vendor.payout_account, False


def _settle(
    payout_id: UUID, reference: str | None, *, actor: Actor, uow: UnitOfWork, now: datetime
) -> Payout:
    """Mark the payout paid (and book it), or failed with its bookings released."""
    with uow:
        payout = uow.payouts.get_for_update(payout_id)
        assert payout is not None
        if payout.status == PayoutStatus.PENDING:
            if reference is None:
                payout.mark_failed(now)
                uow.payouts.unlink(payout)
                action = AuditAction.PAYOUT_FAILED
            else:
                payout.mark_paid(reference, now)
                uow.ledger.record(_payout_entries(payout, now))
                action = AuditAction.PAYOUT_PAID
            record_transition(
                uow,
                actor,
                action,
                payout,
                PayoutStatus.PENDING,
                now=now,
                provider_ref=[None, payout.provider_ref],
            )
            uow.commit()
    return payout


def _payout_entries(payout: Payout, now: datetime) -> ledger.LedgerTransaction:
    net = Money(payout.gross_amount - payout.refunded_amount, payout.currency)
    return ledger.payout(
        payout.id,
        payout.vendor_id,
        net=net,
        platform_fee=Money(payout.platform_fee, payout.currency),
        recovered=Money(payout.adjustment_amount, payout.currency),
        vendor_amount=payout.vendor_money,
        now=now,
    )


def complete_booking(booking_id: UUID, *, uow: UnitOfWork, now: datetime) -> Booking:
    """The trip has taken place: the booking is completed and its takings become the vendor's."""
    with uow:
        # Locks in the global order: booking, payment, vendor (see pay_vendor).
        booking = uow.bookings.get_for_update(booking_id)
        if booking is None:
            raise NotFound("no such booking")
        payment = uow.payments.open_for_booking(booking.id)
        uow.users.get_for_update(booking.vendor_id)
        booking.complete(now)
        record_transition(
            uow, SYSTEM, AuditAction.BOOKING_COMPLETED, booking, BookingStatus.CONFIRMED, now=now
        )
        if payment is not None:
            uow.ledger.record(
                ledger.completion(booking.id, booking.vendor_id, payment.refundable, now)
            )
        uow.commit()
    return booking
