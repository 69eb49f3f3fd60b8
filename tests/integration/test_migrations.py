"""The Alembic migrations build exactly the schema the models describe, both ways, on both DBs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import POSTGRES_URL, PostgresDatabase, requires_postgres
from travellr.infrastructure.db.engine import make_engine
from travellr.infrastructure.db.migrate import downgrade, upgrade
from travellr.infrastructure.db.tables import metadata

INSERT_USER = text(
    "INSERT INTO users (id, email, password_hash, name, role, is_active, created_at, updated_at)"
    " VALUES (:id, :email, 'x', 'N', :role, :active, :now, :now)"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, unmigrated database of each kind, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    requires_postgres()
    assert POSTGRES_URL is not None
    database = PostgresDatabase(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        yield database.url
    finally:
        database.drop()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def test_migrations_go_up_down_and_up_again(empty_database: str) -> None:
    expected = set(metadata.tables) | {"alembic_version"}

    upgrade(empty_database)
    assert _tables(empty_database) == expected

    downgrade(empty_database, "base")
    assert _tables(empty_database) == {"alembic_version"}

    upgrade(empty_database)
    assert _tables(empty_database) == expected


def test_the_migrated_schema_matches_the_models(empty_database: str) -> None:
    upgrade(empty_database)

    assert _differences(empty_database) == []


def test_the_head_revision_is_recorded(empty_database: str) -> None:
    upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()

    assert len(versions) == 1


def _insert_user(url: str, *, email: str, role: str = "traveler") -> None:
    engine = make_engine(url)
    now = datetime.now(UTC).replace(tzinfo=None)
    values = {"id": uuid.uuid4().hex, "email": email, "role": role, "active": True, "now": now}
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_USER, values)
    finally:
        engine.dispose()


def test_the_database_accepts_a_well_formed_user(empty_database: str) -> None:
    upgrade(empty_database)

    _insert_user(empty_database, email="ok@example.com", role="vendor")

    engine = create_engine(empty_database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT email, role FROM users")).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("ok@example.com", "vendor")]


@pytest.mark.parametrize(
    ("first", "second"),
    [("same@example.com", "same@example.com"), (None, "Upper@Example.com")],
    ids=["duplicate", "upper-case"],
)
def test_the_database_enforces_unique_lower_case_emails(
    empty_database: str, first: str | None, second: str
) -> None:
    upgrade(empty_database)
    if first:
        _insert_user(empty_database, email=first)

    with pytest.raises(IntegrityError):
        _insert_user(empty_database, email=second)


def test_the_database_refuses_an_unknown_role(empty_database: str) -> None:
    upgrade(empty_database)

    with pytest.raises(IntegrityError):
        _insert_user(empty_database, email="root@example.com", role="superuser")


INSERT_PAYOUT = text(
    "INSERT INTO payouts (id, vendor_id, period_start, period_end, gross_amount,"
    " refunded_amount, adjustment_amount, vendor_amount, platform_fee, booking_count, currency,"
    " status, created_at, updated_at) VALUES (:id, :vendor, '2031-03-01', '2031-03-31', 10000,"
    " 0, 0, 8000, 2000, 1, 'USD', 'paid', :now, :now)"
)
INSERT_ITEM = text("INSERT INTO payout_items (booking_id, payout_id) VALUES (:booking, :payout)")


def test_the_database_refuses_a_second_payout_of_a_booking(empty_database: str) -> None:
    upgrade(empty_database)
    vendor, booking = uuid.uuid4().hex, uuid.uuid4().hex
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    now = datetime.now(UTC).replace(tzinfo=None)
    user = {"id": vendor, "email": "v@example.com", "role": "vendor", "active": True, "now": now}
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            connection.execute(INSERT_USER, user)
            for payout in (first, second):
                connection.execute(INSERT_PAYOUT, {"id": payout, "vendor": vendor, "now": now})
            connection.execute(INSERT_ITEM, {"booking": booking, "payout": first})

        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(INSERT_ITEM, {"booking": booking, "payout": second})
    finally:
        engine.dispose()


INSERT_TRIP = text(
    "INSERT INTO trips (id, vendor_id, title, destination, start_at, price, currency, capacity,"
    " seats_taken, status, created_at, updated_at) VALUES (:id, :vendor, 'T', 'D', :now, 1000,"
    " 'USD', 10, 1, 'active', :now, :now)"
)
INSERT_BOOKING = text(
    "INSERT INTO bookings (id, user_id, vendor_id, trip_id, trip_date, seats, total_price,"
    " currency, status, expires_at, created_at, updated_at) VALUES (:id, :traveller, :vendor,"
    " :trip, :now, 1, 1000, 'USD', 'confirmed', :now, :now, :now)"
)
PAYMENT_COLUMNS = (
    "id, booking_id, user_id, amount, currency, status, amount_refunded, provider, paid_at,"
    " created_at, updated_at"
)
PAYMENT_VALUES = ":id, :booking, :traveller, 1000, 'USD', 'succeeded', 0, 'mock', :now, :now, :now"


def _booking_of(connection: Any, vendor: str) -> dict[str, Any]:
    """A vendor, a traveller and a booking of the vendor's trip: the ids, by name."""
    now = datetime.now(UTC).replace(tzinfo=None)
    ids = {"vendor": vendor, "traveller": uuid.uuid4().hex, "trip": uuid.uuid4().hex}
    for name, role in (("vendor", "vendor"), ("traveller", "traveler")):
        user = {"id": ids[name], "email": f"{ids[name]}@example.com", "role": role, "now": now}
        connection.execute(INSERT_USER, {**user, "active": True})
    connection.execute(INSERT_TRIP, {"id": ids["trip"], "vendor": vendor, "now": now})
    booking = {**ids, "id": uuid.uuid4().hex, "now": now}
    connection.execute(INSERT_BOOKING, booking)
    return {**ids, "booking": booking["id"], "now": now}


def test_payments_made_before_0007_get_their_bookings_vendor(empty_database: str) -> None:
    upgrade(empty_database, "0006")
    vendor = uuid.uuid4().hex
    engine = make_engine(empty_database)
    try:
        with engine.begin() as connection:
            ids = _booking_of(connection, vendor)
            insert = f"INSERT INTO payments ({PAYMENT_COLUMNS}) VALUES ({PAYMENT_VALUES})"
            connection.execute(text(insert), {**ids, "id": uuid.uuid4().hex})
            connection.execute(
                text(
                    "INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status,"
                    " created_at) SELECT :id, id, booking_id, 100, 'USD', 'succeeded', created_at"
                    " FROM payments"
                ),
                {"id": uuid.uuid4().hex},
            )
        engine.dispose()

        upgrade(empty_database)

        with engine.connect() as connection:
            copied = connection.scalar(text("SELECT vendor_id FROM payments"))
    finally:
        engine.dispose()
    assert uuid.UUID(str(copied)) == uuid.UUID(vendor)


def test_the_database_refuses_a_payment_naming_another_vendor(empty_database: str) -> None:
    upgrade(empty_database)
    engine = make_engine(empty_database)
    insert = text(
        f"INSERT INTO payments ({PAYMENT_COLUMNS}, vendor_id) VALUES ({PAYMENT_VALUES}, :other)"
    )
    try:
        with engine.begin() as connection:
            ids = _booking_of(connection, uuid.uuid4().hex)
            other = _booking_of(connection, uuid.uuid4().hex)["vendor"]

        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert, {**ids, "id": uuid.uuid4().hex, "other": other})
    finally:
        engine.dispose()
