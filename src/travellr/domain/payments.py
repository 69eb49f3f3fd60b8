"""Payments for bookings and the refunds made against them."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import (
    Conflict,
    InvalidTransition,
    NotRefundable,
    RefundExceedsRemaining,
    RuleViolated,
)
from travellr.domain.events import Aggregate, PaymentFailed, PaymentProcessed, PaymentRefunded
from travellr.domain.money import Money


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


REFUNDABLE = frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED})


class RefundStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"


class Refund:
    """Money given back on a payment; pending until the provider confirms it."""

    def __init__(
        self,
        *,
        id: UUID,
        payment_id: UUID,
        booking_id: UUID,
        amount: Money,
        reason: str | None,
        now: datetime,
    ) -> None:
        self.id = id
        self.payment_id = payment_id
        self.booking_id = booking_id
        self.amount = amount.amount
        self.currency = amount.currency
        self.status = RefundStatus.PENDING
        self.reason = reason
        self.provider_ref: str | None = None
        self.created_at = now

    @classmethod
    def create(
        cls,
        *,
        payment_id: UUID,
        booking_id: UUID,
        amount: Money,
        reason: str | None,
        now: datetime,
    ) -> Refund:
        return cls(
            id=uuid.uuid4(),
            payment_id=payment_id,
            booking_id=booking_id,
            amount=amount,
            reason=reason,
            now=now,
        )

    def succeed(self, *, provider_ref: str | None) -> None:
        self.status = RefundStatus.SUCCEEDED
        self.provider_ref = provider_ref

    def fail(self) -> None:
        self.status = RefundStatus.FAILED


class Payment(Aggregate):
    def __init__(
        self,
        *,
        id: UUID,
        booking_id: UUID,
        user_id: UUID,
        vendor_id: UUID,
        amount: Money,
        provider: str,
        payment_method: str,
        now: datetime,
    ) -> None:
        self.id = id
        self.booking_id = booking_id
        self.user_id = user_id
        # The booking's vendor, which never changes: analytics total payments by vendor
        # without joining every payment to its booking.
        self.vendor_id = vendor_id
        self.amount = amount.amount
        self.currency = amount.currency
        self.status = PaymentStatus.PENDING
        self.amount_refunded = Decimal("0.00")
        self.provider = provider
        # What the last attempt charged, kept so that a charge whose answer never came can be
        # sent again under the same idempotency key (the gateway's ids, not card data).
        self.payment_method = payment_method
        self.provider_ref: str | None = None
        self.failure_message: str | None = None
        self.paid_at: datetime | None = None
        self.created_at = now
        self.updated_at = now

    @classmethod
    def start(
        cls, *, booking: Booking, provider: str, payment_method: str, now: datetime
    ) -> Payment:
        """A charge attempt for the booking's total; only a pending booking can be paid."""
        if booking.status != BookingStatus.PENDING:
            raise InvalidTransition(
                f"only a pending booking can be paid, this one is {booking.status}",
                booking_id=str(booking.id),
                from_status=booking.status,
            )
        return cls(
            id=uuid.uuid4(),
            booking_id=booking.id,
            user_id=booking.user_id,
            vendor_id=booking.vendor_id,
            amount=booking.total_money,
            provider=provider,
            payment_method=payment_method,
            now=now,
        )

    def attempt(self, payment_method: str, now: datetime) -> None:
        """Another attempt at the pending charge, under the same key (a retry)."""
        if self.status != PaymentStatus.PENDING:
            raise InvalidTransition(f"a {self.status} payment is not charged again")
        self.payment_method = payment_method
        self.updated_at = now

    @property
    def amount_money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def refunded_money(self) -> Money:
        return Money(self.amount_refunded, self.currency)

    @property
    def refundable(self) -> Money:
        """What is left to refund."""
        return self.amount_money - Money(self.amount_refunded, self.currency)

    def _settle(self, status: PaymentStatus, provider_ref: str | None, now: datetime) -> None:
        if self.status != PaymentStatus.PENDING:
            raise InvalidTransition(
                f"a {self.status} payment cannot become {status}",
                payment_id=str(self.id),
                from_status=self.status,
                to_status=status,
            )
        self.status = status
        self.provider_ref = provider_ref
        self.updated_at = now

    def succeed(self, *, provider_ref: str | None, now: datetime) -> None:
        self._settle(PaymentStatus.SUCCEEDED, provider_ref, now)
        self.paid_at = now
        self.record(
            PaymentProcessed(
                occurred_at=now,
                payment_id=self.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                amount=self.amount,
                currency=self.currency,
            )
        )

    def fail(self, *, message: str | None, provider_ref: str | None, now: datetime) -> None:
        self._settle(PaymentStatus.FAILED, provider_ref, now)
        self.failure_message = message
        self.record(
            PaymentFailed(
                occurred_at=now,
                payment_id=self.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                amount=self.amount,
                currency=self.currency,
                failure_message=message,
            )
        )

    def refund(self, *, amount: Money | None, reason: str | None, now: datetime) -> Refund:
        """Give back `amount` (default: all that is left) of a succeeded payment."""
        if self.status not in REFUNDABLE:
            raise NotRefundable(
                f"a {self.status} payment cannot be refunded",
                payment_id=str(self.id),
                payment_status=self.status,
            )
        remaining = self.refundable
        amount = remaining if amount is None else amount
        if not amount.is_positive:
            raise RuleViolated("a refund must be positive", field="amount")
        if amount > remaining:
            raise RefundExceedsRemaining(
                f"only {remaining} {remaining.currency} is left to refund",
                remaining=str(remaining),
                amount=str(amount),
                currency=remaining.currency,
            )
        self.amount_refunded = (Money(self.amount_refunded, self.currency) + amount).amount
        self.status = (
            PaymentStatus.REFUNDED if amount == remaining else PaymentStatus.PARTIALLY_REFUNDED
        )
        self.updated_at = now
        refund = Refund.create(
            payment_id=self.id, booking_id=self.booking_id, amount=amount, reason=reason, now=now
        )
        self.record(
            PaymentRefunded(
                occurred_at=now,
                payment_id=self.id,
                refund_id=refund.id,
                booking_id=self.booking_id,
                user_id=self.user_id,
                amount=amount.amount,
                currency=amount.currency,
            )
        )
        return refund


class PaymentInProgress(Conflict):
    code = "payment_in_progress"
    title = "A payment for this booking is still being processed"
    retryable = True
