"""The scheduled jobs. Each is safe to run twice at once: every row is changed under its lock
and only from the state the job expects, so a second run finds nothing left to do."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from uuid import UUID

from travellr.application.booking_steps import charge, record_expiry
from travellr.application.payouts import complete_booking, pay_vendor
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.payouts import PayoutGateway
from travellr.application.ports.persistence import NewUow
from travellr.domain.actors import SYSTEM
from travellr.domain.bookings import BookingStatus
from travellr.domain.errors import DomainError, PaymentDeclined
from travellr.domain.money import CommissionRate
from travellr.domain.payments import PaymentStatus

log = logging.getLogger("travellr.jobs")
# Scheduled payouts cover everything not yet paid, up to the day before the run.
EVERYTHING_SINCE = date(2000, 1, 1)
# A charge still pending this long after its attempt lost its answer: gateway timeouts and
# webhooks take seconds. It is sent again only while the gateway still knows its idempotency
# key (Stripe keeps them 24 h); after that a retry could charge twice, so it is left alone.
CHARGE_ANSWER_WAIT = timedelta(minutes=5)
CHARGE_RETRY_WINDOW = timedelta(hours=23)


def expire_bookings(booking_ids: Iterable[UUID], *, new_uow: NewUow, now: datetime) -> int:
    """Give back the seats of pending bookings whose hold has run out unpaid."""
    expired = 0
    for booking_id in booking_ids:
        with new_uow() as uow:
            booking = uow.bookings.get_for_update(booking_id)
            if booking is None or booking.status != BookingStatus.PENDING:
                continue  # another run, a payment or a cancellation got there first
            payment = uow.payments.open_for_booking(booking.id)
            if payment is not None and payment.status == PaymentStatus.PENDING:
                continue  # a charge is in flight; its outcome decides
            trip = uow.trips.get_for_update(booking.trip_id)
            assert trip is not None
            booking.expire(trip=trip, now=now)
            record_expiry(uow, booking, now)
            uow.commit()
            expired += 1
    return expired


def retry_stale_charges(
    payment_ids: Iterable[UUID], *, new_uow: NewUow, gateway: PaymentGateway, now: datetime
) -> int:
    """Send the charges whose answer never came again, under the same key, and settle them.

    The gateway answers a charge it made with that charge's outcome and makes one it never
    received, so each payment is settled either way and charged once. Until then its booking
    is neither expired nor cancellable (a charge is in flight)."""
    settled = 0
    for payment_id in payment_ids:
        with new_uow() as uow:
            payment = uow.payments.get(payment_id)
            booking = None if payment is None else uow.bookings.get(payment.booking_id)
        if booking is None or payment is None or payment.status != PaymentStatus.PENDING:
            continue  # settled meanwhile, by a webhook or another run
        assert payment.payment_method is not None, "the query leaves out payments without one"
        try:
            charge(
                booking, payment, payment.payment_method, new_uow=new_uow, gateway=gateway, now=now
            )
        except PaymentDeclined:
            pass  # settled as failed: the booking's hold runs out as any unpaid one
        except DomainError as error:  # the gateway still does not answer: the next run retries
            log.info(
                "charge not settled", extra={"payment_id": str(payment_id), "reason": error.code}
            )
            continue
        settled += 1
    return settled


def complete_bookings(booking_ids: Iterable[UUID], *, new_uow: NewUow, now: datetime) -> int:
    """Complete confirmed bookings whose trip has taken place."""
    completed = 0
    for booking_id in booking_ids:
        try:
            complete_booking(booking_id, uow=new_uow(), now=now)
        except DomainError as error:  # already completed or cancelled meanwhile
            log.info(
                "booking not completed", extra={"booking_id": str(booking_id), "reason": error.code}
            )
            continue
        completed += 1
    return completed


def pay_vendors(
    vendor_ids: Iterable[UUID],
    *,
    new_uow: NewUow,
    gateway: PayoutGateway,
    commission: CommissionRate,
    today: date,
    now: datetime,
) -> int:
    """Pay every vendor whose share of its unpaid takings reaches the minimum."""
    paid = 0
    for vendor_id in vendor_ids:
        try:
            pay_vendor(
                vendor_id,
                EVERYTHING_SINCE,
                today,
                actor=SYSTEM,
                new_uow=new_uow,
                gateway=gateway,
                commission=commission,
                now=now,
                resume_any_pending=True,
            )
        except DomainError as error:  # below the minimum, nothing to pay, already paid
            log.info("vendor not paid", extra={"vendor_id": str(vendor_id), "reason": error.code})
            continue
        paid += 1
    return paid
