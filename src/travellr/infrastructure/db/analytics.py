"""Admin analytics: a period's figures as SQL aggregates, bucketed by UTC day.

Every figure is a SUM or COUNT computed by the database; Python only lays the grouped rows
(a handful per day) onto the calendar. Periods are whole UTC days, `[first 00:00, last + 1
00:00)`, so a row at 23:59:59.999999 on the last day counts and one at 00:00 the next does not.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    func,
    literal,
    literal_column,
    select,
    union_all,
)

from travellr.application.ports.reports import Period, PeriodFigures
from travellr.domain.actors import Role
from travellr.domain.bookings import BookingStatus
from travellr.domain.payments import PaymentStatus, RefundStatus
from travellr.domain.payouts import PayoutStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.types import UTCDateTime, amount_or_zero

PAID = (PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
TOP_VENDORS = 5


def utc_day(column: Any, dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of a stored time. Literal SQL rather than bound parameters, so
    that the expression in SELECT and in GROUP BY is the same text."""
    if dialect == "postgresql":
        # Whole days counted from a UTC midnight: integer arithmetic on the stored instant,
        # a third cheaper per row than date_trunc('day', timezone('UTC', ...)).
        return func.date_bin(
            literal_column("interval '1 day'"),
            column,
            literal_column("timestamptz '2000-01-01 00:00:00+00'"),
        )
    return func.date(column)  # SQLite stores UTC text: 'YYYY-MM-DD HH:MM:SS.ffffff'


def as_day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        # The driver gives a UTC midnight in the session's time zone, maybe the day before.
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def period_figures(connection: Connection, period: Period) -> PeriodFigures:
    dialect = connection.dialect.name
    users_total, users_new, by_role = _users(connection, period)
    bookings_by_day = _bookings(connection, period, dialect)
    gross_by_day = _gross(connection, period, dialect)
    refunds_by_day = _refunds(connection, period, dialect)
    by_status = Counter({status.value: 0 for status in BookingStatus})
    daily_bookings: Counter[date] = Counter()
    for day, status, count in bookings_by_day:
        by_status[status] += count
        daily_bookings[day] += count
    zero = Decimal("0.00")
    daily = [
        {
            "date": day,
            "bookings": daily_bookings[day],
            "gross": gross_by_day.get(day, zero),
            "refunds": refunds_by_day.get(day, zero),
        }
        for day in period.days()
    ]
    return PeriodFigures(
        users_total=users_total,
        users_new=users_new,
        users_by_role=by_role,
        bookings_by_status=dict(by_status),
        gross=sum(gross_by_day.values(), zero),
        refunds=sum(refunds_by_day.values(), zero),
        paid_out=_paid_out(connection, period),
        daily=daily,
        top_vendors=_top_vendors(connection, period),
    )


def _users(connection: Connection, period: Period) -> tuple[int, int, dict[str, int]]:
    """All users created before the period's end, by role, and how many of them are new."""
    u = tables.users.c
    is_new = case((u.created_at >= period.start, 1), else_=0)
    rows = connection.execute(
        select(u.role, func.count(), func.sum(is_new))
        .where(u.created_at < period.end)
        .group_by(u.role)
    ).all()
    by_role = {role.value: 0 for role in Role}
    for role, count, _ in rows:
        by_role[role.value] = count
    return sum(by_role.values()), sum(int(new or 0) for _, _, new in rows), by_role


def _bookings(connection: Connection, period: Period, dialect: str) -> list[tuple[date, str, int]]:
    live, archived = tables.bookings.c, tables.bookings_archive.c
    b = (
        union_all(
            select(live.created_at, live.status).where(_within(period, live.created_at)),
            select(archived.created_at, archived.status).where(
                _within(period, archived.created_at)
            ),
        )
        .subquery()
        .c
    )
    day = utc_day(b.created_at, dialect)
    rows = connection.execute(select(day, b.status, func.count()).group_by(day, b.status))
    return [(as_day(on), status.value, count) for on, status, count in rows]


def _gross(connection: Connection, period: Period, dialect: str) -> dict[date, Decimal]:
    """Payments that succeeded in the period, by the time they were paid."""
    if dialect == "postgresql":
        return _gross_day_by_day(connection, period)
    p = tables.payments.c
    day = utc_day(p.paid_at, dialect)
    rows = connection.execute(
        select(day, func.sum(p.amount))
        .where(_within(period, p.paid_at), p.status.in_(PAID))
        .group_by(day)
    )
    return {as_day(on): amount_or_zero(total) for on, total in rows}


def _gross_day_by_day(connection: Connection, period: Period) -> dict[date, Decimal]:
    """The same sums, one index range per UTC day: no per-row day to compute and group by,
    about half the time of the grouped scan for a year (bench/README.md)."""
    p = tables.payments.c
    # Not '1 day': in a session time zone with DST that is sometimes 23 or 25 hours.
    one_day: ColumnElement[Any] = literal_column("interval '24 hours'")
    last = period.end - timedelta(days=1)
    start = func.generate_series(
        literal(period.start, UTCDateTime), literal(last, UTCDateTime), one_day
    ).column_valued("start")
    paid = (
        select(func.sum(p.amount))
        .where(p.paid_at >= start, p.paid_at < start + one_day, p.status.in_(PAID))
        .scalar_subquery()
    )
    rows = connection.execute(select(start, paid))
    return {as_day(on): amount_or_zero(total) for on, total in rows if total is not None}


def _refunds(connection: Connection, period: Period, dialect: str) -> dict[date, Decimal]:
    r = tables.refunds.c
    day = utc_day(r.created_at, dialect)
    rows = connection.execute(
        select(day, func.sum(r.amount))
        .where(_within(period, r.created_at), r.status == RefundStatus.SUCCEEDED)
        .group_by(day)
    )
    return {as_day(on): amount_or_zero(total) for on, total in rows}


def _paid_out(connection: Connection, period: Period) -> Decimal:
    c = tables.payouts.c
    query = select(func.sum(c.vendor_amount)).where(
        _within(period, c.created_at), c.status == PayoutStatus.PAID
    )
    return amount_or_zero(connection.scalar(query))


def _top_vendors(connection: Connection, period: Period) -> list[dict[str, Any]]:
    """The vendors whose trips took the most in payments in the period (ties by id)."""
    p, u = tables.payments.c, tables.users.c
    gross = func.sum(p.amount).label("gross")
    top = (
        select(p.vendor_id, gross)
        .where(_within(period, p.paid_at), p.status.in_(PAID))
        .group_by(p.vendor_id)
        .order_by(gross.desc(), p.vendor_id)
        .limit(TOP_VENDORS)
        .subquery()
    )
    rows = connection.execute(
        select(top.c.vendor_id, u.name, top.c.gross)
        .join_from(top, tables.users, u.id == top.c.vendor_id)
        .order_by(top.c.gross.desc(), top.c.vendor_id)
    )
    return [{"vendor_id": row.vendor_id, "name": row.name, "gross": row.gross} for row in rows]


def _within(period: Period, column: Any) -> ColumnElement[bool]:
    within: ColumnElement[bool] = (column >= period.start) & (column < period.end)
    return within
