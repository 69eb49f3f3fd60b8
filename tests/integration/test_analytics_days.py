"""Analytics put a stored time on its UTC day, whatever the database session's time zone
(Los Angeles here, behind UTC, where a UTC midnight is the evening before)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, Table, bindparam, insert, select

from travellr.infrastructure.db import tables
from travellr.infrastructure.db.analytics import Period, as_day, period_figures, utc_day
from travellr.infrastructure.db.types import UTCDateTime

KIRITIMATI = timezone(timedelta(hours=14))


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2025, 3, 3, 23, 59, 59, 999999, tzinfo=UTC), date(2025, 3, 3)),
        (datetime(2025, 3, 4, tzinfo=UTC), date(2025, 3, 4)),
        (datetime(2025, 3, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))), date(2025, 2, 28)),
        (datetime(2025, 3, 1, 13, 0, tzinfo=KIRITIMATI), date(2025, 2, 28)),
        (datetime(2025, 2, 28, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2025, 3, 1)),
    ],
)
def test_a_time_falls_on_its_utc_day_in_any_session_time_zone(
    app: Flask, instant: datetime, day: date
) -> None:
    engine = app.extensions["travellr"].engine
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TIME ZONE 'America/Los_Angeles'")
        stored = bindparam("at", instant, type_=UTCDateTime)
        value = connection.scalar(select(utc_day(stored, connection.dialect.name)))

    assert as_day(value) == day


def _insert(connection: Connection, table: Table, **values: Any) -> uuid.UUID:
    values.setdefault("id", uuid.uuid4())
    connection.execute(insert(table).values(**values))
    return uuid.UUID(str(values["id"]))


def _paid_at(connection: Connection, moments: list[datetime]) -> None:
    """One 10.00 payment (and its booking) per moment."""
    at = datetime(2025, 1, 1, tzinfo=UTC)
    user = {"password_hash": "x", "name": "N", "is_active": True, "created_at": at}
    vendor, traveller = (
        _insert(
            connection,
            tables.users,
            email=f"{uuid.uuid4().hex}@e.test",
            role=role,
            updated_at=at,
            **user,
        )
        for role in ("vendor", "traveler")
    )
    trip = _insert(
        connection,
        tables.trips,
        vendor_id=vendor,
        title="T",
        destination="D",
        start_at=at,
        price=Decimal("10.00"),
        currency="USD",
        capacity=100,
        seats_taken=0,
        status="active",
        created_at=at,
        updated_at=at,
    )
    for moment in moments:
        booking = _insert(
            connection,
            tables.bookings,
            user_id=traveller,
            vendor_id=vendor,
            trip_id=trip,
            trip_date=at,
            seats=1,
            total_price=Decimal("10.00"),
            currency="USD",
            status="confirmed",
            expires_at=moment,
            created_at=moment,
            updated_at=moment,
        )
        _insert(
            connection,
            tables.payments,
            booking_id=booking,
            vendor_id=vendor,
            user_id=traveller,
            amount=Decimal("10.00"),
            currency="USD",
            status="succeeded",
            amount_refunded=Decimal("0.00"),
            provider="mock",
            paid_at=moment,
            created_at=moment,
            updated_at=moment,
        )


def test_gross_by_day_keeps_utc_days_across_a_dst_change_of_the_session(app: Flask) -> None:
    """Los Angeles moved to daylight time on 2025-03-09 at 10:00 UTC: a calendar day added in
    that session would end the 9th at 23:00 UTC, an hour early."""
    engine = app.extensions["travellr"].engine
    moments = [
        datetime(2025, 3, 8, 0, 0, tzinfo=UTC),
        datetime(2025, 3, 9, 23, 30, tzinfo=UTC),
        datetime(2025, 3, 9, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2025, 3, 10, 0, 0, tzinfo=UTC),
        datetime(2025, 3, 11, 0, 0, tzinfo=UTC),
    ]
    with engine.begin() as connection:
        _paid_at(connection, moments)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TIME ZONE 'America/Los_Angeles'")
        figures = period_figures(connection, Period(date(2025, 3, 8), date(2025, 3, 10)))

    ten = Decimal("10.00")
    assert [(day["date"], day["gross"]) for day in figures.daily] == [
        (date(2025, 3, 8), ten),
        (date(2025, 3, 9), 2 * ten),
        (date(2025, 3, 10), ten),
    ]
    assert figures.gross == 4 * ten
    assert figures.top_vendors[0]["gross"] == 4 * ten
