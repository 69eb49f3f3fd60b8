"""The yardstick: bare Flask + SQLAlchemy Core over psycopg, doing the least each endpoint must.

Rows of the same shape as Travellr's `bookings` and `trips` (ids, cents, UTC timestamps), the
same driver, the same pool size and Flask's own JSON, so that the ratio to Travellr measures
what Travellr adds (auth, validation, locking, the unit of work, the schemas, the logging).

    gunicorn --workers 4 'reference_app:app'   (REF_DATABASE_URL=postgresql+psycopg://...)
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, abort, jsonify, request
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    create_engine,
    insert,
    select,
)

metadata = MetaData()
CENT = Decimal("0.01")

ref_trips = Table(
    "ref_trips",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("vendor_id", Uuid, nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text),
    Column("destination", String(200), nullable=False),
    Column("start_at", DateTime(timezone=True), nullable=False),
    Column("end_at", DateTime(timezone=True)),
    Column("price", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("seats_taken", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_ref_trips_start_at_id", "start_at", "id"),
)

ref_bookings = Table(
    "ref_bookings",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("vendor_id", Uuid, nullable=False),
    Column("trip_id", Uuid, nullable=False, index=True),
    Column("trip_date", DateTime(timezone=True), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("total_price", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(10), nullable=False),
    Column("notes", Text),
    Column("refund_amount", BigInteger),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("cancelled_by", Uuid),
    Column("cancel_reason", Text),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_ref_bookings_created_at_id", "created_at", "id"),
    Index("ix_ref_bookings_user_id_created_at", "user_id", "created_at", "id"),
)

BOOKING_FIELDS = (
    "id",
    "user_id",
    "vendor_id",
    "trip_id",
    "trip_date",
    "seats",
    "total_price",
    "currency",
    "status",
    "notes",
    "refund_amount",
    "cancelled_at",
    "created_at",
    "updated_at",
)
TRIP_FIELDS = (
    "id",
    "vendor_id",
    "title",
    "description",
    "destination",
    "start_at",
    "end_at",
    "price",
    "currency",
    "capacity",
    "seats_left",
    "status",
    "created_at",
    "updated_at",
)
MONEY = {"price", "total_price", "refund_amount"}
VENDOR = uuid.UUID(int=1)


def create_schema(engine: Engine) -> None:
    metadata.create_all(engine)


def seed(engine: Engine, *, trips: int, bookings: int) -> list[str]:
    """`trips` trips and `bookings` bookings spread over them; the booking ids."""
    now = datetime.now(UTC)
    trip_rows = [
        {
            "id": uuid.uuid4(),
            "vendor_id": VENDOR,
            "title": f"Reference trip {n}",
            "description": "A trip to measure against.",
            "destination": "Lisbon",
            "start_at": now + timedelta(days=30 + n),
            "end_at": now + timedelta(days=37 + n),
            "price": 10000,
            "currency": "USD",
            "capacity": 10000,
            "seats_taken": 0,
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for n in range(trips)
    ]
    booking_rows = [
        _booking_row(trip_rows[n % trips], uuid.uuid4(), 1, None, now) for n in range(bookings)
    ]
    with engine.begin() as connection:
        connection.execute(insert(ref_trips), trip_rows)
        connection.execute(insert(ref_bookings), booking_rows)
    return [str(row["id"]) for row in booking_rows]


def _booking_row(
    trip: dict[str, Any], user_id: uuid.UUID, seats: int, notes: str | None, now: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "user_id": user_id,
        "vendor_id": trip["vendor_id"],
        "trip_id": trip["id"],
        "trip_date": trip["start_at"],
        "seats": seats,
        "total_price": trip["price"] * seats,
        "currency": "USD",
        "status": "pending",
        "notes": notes,
        "refund_amount": None,
        "cancelled_at": None,
        "cancelled_by": None,
        "cancel_reason": None,
        "expires_at": now + timedelta(minutes=30),
        "created_at": now,
        "updated_at": now,
    }


def _json(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = row[name]
        if value is None:
            out[name] = None
        elif name in MONEY:
            out[name] = str((Decimal(value) * CENT).quantize(CENT))
        elif isinstance(value, datetime):
            out[name] = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        elif isinstance(value, uuid.UUID):
            out[name] = str(value)
        else:
            out[name] = value
    return out


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    engine = create_engine(
        database_url, pool_size=5, max_overflow=10, pool_pre_ping=True, pool_recycle=1800
    )
    seats_left = (ref_trips.c.capacity - ref_trips.c.seats_taken).label("seats_left")
    list_query = select(*ref_trips.c, seats_left).order_by(ref_trips.c.start_at, ref_trips.c.id)

    @app.get("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok")

    @app.post("/bookings")
    def create_booking() -> Any:
        body = request.get_json()
        if not isinstance(body, dict) or "trip_id" not in body:
            abort(422)
        # The row's trip fields are what a booking copies from its trip; the yardstick does
        # not read the trip (no lock, no capacity check): one INSERT is all it does.
        now = datetime.now(UTC)
        trip = {
            "id": uuid.UUID(body["trip_id"]),
            "vendor_id": VENDOR,
            "start_at": now + timedelta(days=30),
            "price": 10000,
        }
        row = _booking_row(trip, uuid.uuid4(), int(body.get("seats", 1)), body.get("notes"), now)
        with engine.begin() as connection:
            connection.execute(insert(ref_bookings).values(row))
        return jsonify(_json(row, BOOKING_FIELDS)), 201

    @app.get("/bookings/<uuid:booking_id>")
    def get_booking(booking_id: uuid.UUID) -> Any:
        with engine.connect() as connection:
            row = (
                connection.execute(select(ref_bookings).where(ref_bookings.c.id == booking_id))
                .mappings()
                .one_or_none()
            )
        if row is None:
            abort(404)
        return jsonify(_json(row, BOOKING_FIELDS))

    @app.get("/trips")
    def list_trips() -> Any:
        with engine.connect() as connection:
            rows = connection.execute(list_query.limit(20)).mappings().all()
        return jsonify(items=[_json(row, TRIP_FIELDS) for row in rows], next_cursor=None)

    return app


def _app_from_env() -> Flask | None:
    url = os.environ.get("REF_DATABASE_URL")
    return create_app(url) if url else None


app = _app_from_env()
