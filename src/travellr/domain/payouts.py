"""Vendor payouts: the vendor's share of completed bookings, net of refunds and commission."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from travellr.domain.errors import (
    BelowMinimum,
    Conflict,
    InvalidTransition,
    NothingToPay,
    RuleViolated,
)
from travellr.domain.events import Aggregate, VendorPaidOut
from travellr.domain.money import CommissionRate, Money

PAYOUT_MINIMUM = Money(Decimal("50.00"))


class PayoutStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class Payout(Aggregate):
    def __init__(
        self,
        *,
        id: UUID,
        vendor_id: UUID,
        period_start: date,
        period_end: date,
        gross: Money,
        refunded: Money,
        adjustment: Money,
        vendor_amount: Money,
        platform_fee: Money,
        booking_count: int,
        now: datetime,
    ) -> None:
        self.id = id
        self.vendor_id = vendor_id
        self.period_start = period_start
        self.period_end = period_end
        self.gross_amount = gross.amount
        self.refunded_amount = refunded.amount
        self.adjustment_amount = adjustment.amount
        self.vendor_amount = vendor_amount.amount
        self.platform_fee = platform_fee.amount
        self.booking_count = booking_count
        self.currency = gross.currency
        self.status = PayoutStatus.PENDING
        self.provider_ref: str | None = None
        self.created_at = now
        self.updated_at = now

    @classmethod
    def compute(
        cls,
        *,
        vendor_id: UUID,
        period_start: date,
        period_end: date,
        gross: Money,
        refunded: Money,
        adjustment: Money,
        booking_count: int,
        commission: CommissionRate,
        now: datetime,
        minimum: Money = PAYOUT_MINIMUM,
    ) -> Payout:
        """Work out what the vendor is owed; `adjustment` claws back refunds made after a payout."""
        if period_end < period_start:
            raise RuleViolated("period_end must not be before period_start", field="period_end")
        if booking_count < 0 or adjustment.amount < 0 or refunded > gross:
            raise ValueError("counts and amounts must be consistent and not negative")
        if booking_count == 0 and adjustment.is_zero:
            raise NothingToPay("no completed bookings to pay out in this period")
        vendor_share, platform_fee = commission.split(gross - refunded)
        vendor_amount = vendor_share - adjustment
        if vendor_amount < minimum:
            raise BelowMinimum(
                f"the vendor's share {vendor_amount} {vendor_amount.currency} is under the "
                f"minimum of {minimum}",
                amount=str(vendor_amount),
                minimum=str(minimum),
                currency=vendor_amount.currency,
            )
        return cls(
            id=uuid.uuid4(),
            vendor_id=vendor_id,
            period_start=period_start,
            period_end=period_end,
            gross=gross,
            refunded=refunded,
            adjustment=adjustment,
            vendor_amount=vendor_amount,
            platform_fee=platform_fee,
            booking_count=booking_count,
            now=now,
        )

    @property
    def vendor_money(self) -> Money:
        return Money(self.vendor_amount, self.currency)

    def _settle(self, status: PayoutStatus, now: datetime) -> None:
        if self.status != PayoutStatus.PENDING:
            raise InvalidTransition(
                f"a {self.status} payout cannot become {status}",
                payout_id=str(self.id),
                from_status=self.status,
                to_status=status,
            )
        self.status = status
        self.updated_at = now

    def mark_paid(self, provider_ref: str | None, now: datetime) -> None:
        self._settle(PayoutStatus.PAID, now)
        self.provider_ref = provider_ref
        self.record(
            VendorPaidOut(
                occurred_at=now,
                payout_id=self.id,
                vendor_id=self.vendor_id,
                vendor_amount=self.vendor_amount,
                platform_fee=self.platform_fee,
                currency=self.currency,
                booking_count=self.booking_count,
            )
        )

    def mark_failed(self, now: datetime) -> None:
        self._settle(PayoutStatus.FAILED, now)


class PayoutInProgress(Conflict):
    code = "payout_in_progress"
    title = "A payout to this vendor is still being transferred"
    retryable = True
