"""Analytics put a stored time on its UTC day, whatever the database session's time zone
(Los Angeles here, behind UTC, where a UTC midnight is the evening before)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import bindparam, select

from travellr.infrastructure.db.analytics import as_day, utc_day
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
