"""Paying vendors their share, and completing the bookings whose trips have taken place."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from travellr.application.payout_gateway import PayoutGateway
from travellr.application.ports import UnitOfWork
from travellr.domain import ledger
from travellr.domain.actors import Actor, Role
from travellr.domain.bookings import Booking
from travellr.domain.errors import Conflict, Forbidden, NotFound
from travellr.domain.money import CommissionRate, Money
from travellr.domain.payouts import PAYOUT_MINIMUM, Payout

CURRENCY = "USD"


class AlreadyPaidOut(Conflict):
    code = "already_paid_out"
    title = "This period has already been paid out"


def pay_vendor(
    vendor_id: UUID,
    period_start: date,
    period_end: date,
    *,
    actor: Actor,
    uow: UnitOfWork,
    gateway: PayoutGateway,
    commission: CommissionRate,
    now: datetime,
    minimum: Money = PAYOUT_MINIMUM,
) -> Payout:
    """Pay a vendor 80 % of its completed bookings' takings in the period, net of refunds and
    of what it owes back; every booking is paid at most once."""
    if not actor.is_admin:
        raise Forbidden("only admins pay vendors")
    with uow:
        # The vendor's row lock serialises everything that changes its takings: payouts,
        # completions and refunds, so concurrent payouts see each other's work. Every use
        # case takes its locks in one order (booking, trip, payment, vendor): no deadlocks.
        vendor = uow.users.get_for_update(vendor_id)
        if vendor is None or vendor.role is not Role.VENDOR:
            raise NotFound("no such vendor")
        takings = uow.payouts.takings(vendor_id, period_start, period_end)
        owed_back = Money(uow.payouts.open_adjustments(vendor_id), CURRENCY)
        if takings.booking_count == 0 and uow.payouts.has_payout_for(
            vendor_id, period_start, period_end
        ):
            raise AlreadyPaidOut("this vendor has been paid for this period")
        payout = Payout.compute(
            vendor_id=vendor_id,
            period_start=period_start,
            period_end=period_end,
            gross=Money(takings.gross, CURRENCY),
            refunded=Money(takings.refunded, CURRENCY),
            adjustment=owed_back,
            booking_count=takings.booking_count,
            commission=commission,
            now=now,
            minimum=minimum,
        )
        uow.payouts.add(payout)
        if uow.payouts.link(payout) != takings.booking_count:
            raise Conflict("the period's bookings changed while paying out; retry")
        reference = gateway.transfer(
            vendor_id=vendor_id,
            account=vendor.payout_account,
            amount=payout.vendor_money,
            idempotency_key=f"payout:{payout.id}",
        )
        payout.mark_paid(reference, now)
        uow.ledger.record(_payout_entries(payout, now))
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
        if payment is not None:
            uow.ledger.record(
                ledger.completion(booking.id, booking.vendor_id, payment.refundable, now)
            )
        uow.commit()
    return booking
