"""Repositories: load and add aggregates through one SQLAlchemy session.

`*_for_update` methods take a row lock on PostgreSQL (SELECT ... FOR UPDATE); on SQLite every
write transaction already holds the database's single write lock (BEGIN IMMEDIATE).

Statements run on every request are built once, with bound parameters: building a new one
per call (as `Session.get` does) costs SQLAlchemy a cache-key walk that is a large share of a
single-row read.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar
from uuid import UUID

from sqlalchemy import Select, bindparam, exists, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.payments import Payment, PaymentStatus, Refund
from travellr.domain.trips import Trip
from travellr.domain.users import User
from travellr.infrastructure.db import tables

T = TypeVar("T")


class _Repository(Generic[T]):
    entity: type[Any]

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, item: T) -> None:
        self._session.add(item)

    def get(self, item_id: UUID) -> T | None:
        return self._one(_by_id(self.entity, for_update=False), {"id": item_id})

    def get_for_update(self, item_id: UUID) -> T | None:
        return self._one(_by_id(self.entity, for_update=True), {"id": item_id})

    def _one(self, statement: Any, parameters: dict[str, Any] | None = None) -> T | None:
        result: T | None = self._session.scalars(statement, parameters).one_or_none()
        return result


@cache
def _by_id(entity: type[Any], *, for_update: bool) -> Select[Any]:
    """SELECT the entity by primary key; FOR UPDATE also refreshes a copy already loaded."""
    statement = select(entity).where(inspect(entity).primary_key[0] == bindparam("id"))
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return statement


class SqlUserRepository(_Repository[User]):
    entity = User

    def by_email(self, email: str) -> User | None:
        return self._one(select(User).where(tables.users.c.email == email))

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(tables.users)) or 0


class SqlTripRepository(_Repository[Trip]):
    entity = Trip

    def has_confirmed_bookings(self, trip_id: UUID) -> bool:
        b = tables.bookings.c
        query = select(exists().where(b.trip_id == trip_id, b.status == BookingStatus.CONFIRMED))
        return bool(self._session.scalar(query))


class SqlBookingRepository(_Repository[Booking]):
    entity = Booking

    def pending_of_user_for_update(self, user_id: UUID) -> list[Booking]:
        b = tables.bookings.c
        query = (
            select(Booking)
            .where(b.user_id == user_id, b.status == BookingStatus.PENDING)
            .order_by(b.created_at)
            .with_for_update()
        )
        return list(self._session.scalars(query))


class SqlPaymentRepository(_Repository[Payment]):
    entity = Payment

    def open_for_booking(self, booking_id: UUID) -> Payment | None:
        """The booking's pending or paid payment (at most one, by a unique index), locked."""
        p = tables.payments.c
        query = (
            select(Payment)
            .where(p.booking_id == booking_id, p.status != PaymentStatus.FAILED)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return self._one(query)


class SqlRefundRepository(_Repository[Refund]):
    entity = Refund


class SqlWebhookLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(tables.processed_webhook_events)
            .values(event_id=event_id, type=event_type, received_at=now)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(tables.processed_webhook_events.c.event_id)
        )
        return self._session.execute(statement).first() is not None
