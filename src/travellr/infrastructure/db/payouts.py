"""Payout persistence: the set-based queries that pick, total and link a period's bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Uuid,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from travellr.application.ports import PeriodTakings
from travellr.domain.bookings import BookingStatus
from travellr.domain.payments import PaymentStatus
from travellr.domain.payouts import Payout, PayoutStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.types import amount_or_zero

_b = tables.bookings.c
_p = tables.payments.c
_items = tables.payout_items
_adjustments = tables.vendor_adjustments
_PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


class SqlPayoutRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, payout: Payout) -> None:
        self._session.add(payout)

    def get(self, payout_id: UUID) -> Payout | None:
        return self._session.get(Payout, payout_id)

    def get_for_update(self, payout_id: UUID) -> Payout | None:
        return self._session.get(Payout, payout_id, with_for_update=True, populate_existing=True)

    def pending_for(self, vendor_id: UUID) -> Payout | None:
        c = tables.payouts.c
        query = select(Payout).where(c.vendor_id == vendor_id, c.status == PayoutStatus.PENDING)
        return self._session.scalars(query).first()

    def unlink(self, payout: Payout) -> None:
        self._session.execute(delete(_items).where(_items.c.payout_id == payout.id))
        self._session.execute(
            update(_adjustments).where(_adjustments.c.payout_id == payout.id).values(payout_id=None)
        )

    def takings(self, vendor_id: UUID, start: date, end: date) -> PeriodTakings:
        """Completed, paid, not yet paid-out bookings of the vendor with trip_date in the period."""
        query = (
            select(func.count(), func.sum(_p.amount), func.sum(_p.amount_refunded))
            .select_from(tables.bookings.join(tables.payments, _p.booking_id == _b.id))
            .where(_eligible(vendor_id, start, end))
        )
        count, gross, refunded = self._session.execute(query).one()
        return PeriodTakings(count, amount_or_zero(gross), amount_or_zero(refunded))

    def open_adjustments(self, vendor_id: UUID) -> Decimal:
        query = select(func.sum(_adjustments.c.amount)).where(
            _adjustments.c.vendor_id == vendor_id, _adjustments.c.payout_id.is_(None)
        )
        return amount_or_zero(self._session.scalar(query))

    def link(self, payout: Payout) -> int:
        """Mark the period's bookings and open adjustments as paid by `payout`."""
        self._session.flush()  # the payout row must exist before items refer to it
        chosen = (
            select(_b.id, literal(payout.id, Uuid))
            .select_from(tables.bookings.join(tables.payments, _p.booking_id == _b.id))
            .where(_eligible(payout.vendor_id, payout.period_start, payout.period_end))
        )
        # SQLAlchemy keeps an INSERT's rowcount only when asked to.
        statement = (
            insert(_items)
            .from_select(["booking_id", "payout_id"], chosen)
            .execution_options(preserve_rowcount=True)
        )
        linked: int = self._session.connection().execute(statement).rowcount
        self._session.execute(
            update(_adjustments)
            .where(_adjustments.c.vendor_id == payout.vendor_id, _adjustments.c.payout_id.is_(None))
            .values(payout_id=payout.id)
        )
        return linked

    def is_paid_out(self, booking_id: UUID) -> bool:
        return bool(self._session.scalar(select(exists().where(_items.c.booking_id == booking_id))))

    def add_adjustment(
        self, *, refund_id: UUID, vendor_id: UUID, amount: Decimal, currency: str, now: datetime
    ) -> None:
        self._session.flush()  # the refund row must exist before the adjustment refers to it
        self._session.execute(
            insert(_adjustments).values(
                refund_id=refund_id,
                vendor_id=vendor_id,
                amount=amount,
                currency=currency,
                created_at=now,
            )
        )

    def has_payout_for(self, vendor_id: UUID, start: date, end: date) -> bool:
        c = tables.payouts.c
        query = exists().where(
            c.vendor_id == vendor_id,
            c.period_start == start,
            c.period_end == end,
            c.status == PayoutStatus.PAID,
        )
        return bool(self._session.scalar(select(query)))


def _eligible(vendor_id: UUID, start: date, end: date) -> ColumnElement[bool]:
    return and_(
        _b.vendor_id == vendor_id,
        _b.status == BookingStatus.COMPLETED,
        _b.trip_date >= _day_start(start),
        _b.trip_date < _day_start(end + timedelta(days=1)),
        _p.status.in_(_PAID),
        ~exists().where(_items.c.booking_id == _b.id),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
