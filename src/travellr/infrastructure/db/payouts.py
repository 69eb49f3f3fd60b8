"""Payout persistence: the set-based queries that pick, total and link a period's bookings."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Table,
    Uuid,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateTableAs, DropTable

from travellr.application.ports.persistence import BookingPayout, PeriodTakings
from travellr.domain.bookings import BookingStatus
from travellr.domain.payments import PaymentStatus
from travellr.domain.payouts import Payout, PayoutStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.types import Cents, amount_or_zero

_b = tables.bookings.c
_p = tables.payments.c
_items = tables.payout_items
_adjustments = tables.vendor_adjustments
_PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)

# The bookings a payout is about to pay, chosen once by `takings` and linked from by `link` in
# the same transaction: the choice (the vendor's bookings joined to their payments, less those
# already paid out) is the payout's costliest query and runs once, not once to total and again
# to link. CREATE TEMPORARY TABLE ... AS may run in parallel on PostgreSQL; INSERT ... SELECT
# may not. `link` drops it; a rollback takes it away (DDL is transactional on both databases).
_chosen = Table(
    "payout_chosen_bookings",
    MetaData(),
    Column("booking_id", Uuid),
    Column("amount", Cents),
    Column("amount_refunded", Cents),
)


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
        """Choose the vendor's completed, paid, not yet paid-out bookings with trip_date in the
        period (for `link`), and total them."""
        connection = self._session.connection()
        eligible = (
            select(_b.id.label("booking_id"), _p.amount, _p.amount_refunded)
            .select_from(tables.bookings.join(tables.payments, _p.booking_id == _b.id))
            .where(_eligible(vendor_id, start, end))
        )
        connection.execute(CreateTableAs(eligible, _chosen.name, temporary=True))
        c = _chosen.c
        query = select(func.count(), func.sum(c.amount), func.sum(c.amount_refunded))
        count, gross, refunded = connection.execute(query).one()
        return PeriodTakings(count, amount_or_zero(gross), amount_or_zero(refunded))

    def open_adjustments(self, vendor_id: UUID) -> Decimal:
        query = select(func.sum(_adjustments.c.amount)).where(
            _adjustments.c.vendor_id == vendor_id, _adjustments.c.payout_id.is_(None)
        )
        return amount_or_zero(self._session.scalar(query))

    def link(self, payout: Payout) -> None:
        """Mark the bookings `takings` chose and the open adjustments as paid by `payout`."""
        self._session.flush()  # the payout row must exist before items refer to it
        connection = self._session.connection()
        # In key order, the primary key's pages fill one after another instead of at random.
        chosen = select(_chosen.c.booking_id, literal(payout.id, Uuid)).order_by(
            _chosen.c.booking_id
        )
        connection.execute(insert(_items).from_select(["booking_id", "payout_id"], chosen))
        connection.execute(DropTable(_chosen))
        self._session.execute(
            update(_adjustments)
            .where(_adjustments.c.vendor_id == payout.vendor_id, _adjustments.c.payout_id.is_(None))
            .values(payout_id=payout.id)
        )

    def payout_of(self, booking_id: UUID) -> BookingPayout | None:
        payouts, refunds = tables.payouts.c, tables.refunds.c
        others = _items.alias("others")
        taken_back = (
            select(func.coalesce(func.sum(refunds.amount), 0))
            .select_from(
                tables.refunds.join(_adjustments, _adjustments.c.refund_id == refunds.id).join(
                    others, others.c.booking_id == refunds.booking_id
                )
            )
            .where(others.c.payout_id == payouts.id)
            .scalar_subquery()
        )
        standing = payouts.gross_amount - payouts.refunded_amount - taken_back
        query = (
            select(payouts.status, type_coerce(standing, Cents))
            .join_from(_items, tables.payouts, payouts.id == _items.c.payout_id)
            .where(_items.c.booking_id == booking_id)
        )
        row = self._session.execute(query).one_or_none()
        return None if row is None else BookingPayout(PayoutStatus(row[0]), row[1])

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
    # Only the vendor's own payouts link its bookings: looking through theirs alone spares an
    # anti-join over every payout item ever written (the primary key still refuses a repeat).
    payouts = tables.payouts.c
    paid_out = (
        select(_items.c.booking_id)
        .join(tables.payouts, payouts.id == _items.c.payout_id)
        .where(payouts.vendor_id == vendor_id, _items.c.booking_id == _b.id)
    )
    return and_(
        _b.vendor_id == vendor_id,
        _b.status == BookingStatus.COMPLETED,
        _b.trip_date >= _day_start(start),
        _b.trip_date < _day_start(end + timedelta(days=1)),
        _p.status.in_(_PAID),
        ~paid_out.exists(),
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
