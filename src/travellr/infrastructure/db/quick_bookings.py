"""New bookings written in one go, on a recent copy of their trip.

Most bookings are of a trip that has not changed since this process last read it. Such a
booking is checked and priced on that copy; the database then holds its seats and writes it,
its payment and their outbox events all at once, and only while the trip still has the copy's
status, start, price and currency and the seats free. On PostgreSQL that is one statement in
autocommit (data-modifying CTEs); on SQLite the same writes in one transaction. Otherwise
nothing is written, and the caller books on the trip read under lock instead.

One statement instead of the seat hold, an INSERT per table and the BEGIN and COMMIT around
them: a pending booking costs ~30 % less CPU (bench/README.md).
"""

from __future__ import annotations

import typing
from collections import OrderedDict
from functools import cache
from threading import Lock
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Table, bindparam, exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.sql import Executable

from travellr.domain.bookings import Booking
from travellr.domain.events import DomainEvent
from travellr.domain.payments import Payment
from travellr.domain.trips import Trip, TripStatus
from travellr.infrastructure.db import commit_writes, tables
from travellr.infrastructure.db.conflicts import integrity_errors_as_conflicts
from travellr.infrastructure.db.repositories import by_id, row_of
from travellr.infrastructure.events.outbox import outbox_rows

COPIES = 4096  # trips whose copies a process keeps; the least recently booked go first


class QuickBookings:
    """Copies of trips as this process last read them, and the one-go write of a booking on
    such a copy. Copies are shared by every request of the process: never change one."""

    def __init__(self, sessions: sessionmaker[Session], *, copies: int = COPIES) -> None:
        self._sessions = sessions  # for single statements: autocommit on PostgreSQL
        self._size = copies
        self._copies: OrderedDict[UUID, Trip] = OrderedDict()
        self._lock = Lock()

    def trip(self, trip_id: UUID) -> Trip | None:
        """A copy of the trip, possibly out of date; None if there is no such trip."""
        with self._lock:
            trip = self._copies.get(trip_id)
            if trip is not None:
                self._copies.move_to_end(trip_id)
                return trip
        with self._sessions() as session:
            trip = session.scalars(by_id(Trip, for_update=False), {"id": trip_id}).one_or_none()
        if trip is not None:
            with self._lock:
                self._copies[trip_id] = trip
                while len(self._copies) > self._size:
                    self._copies.popitem(last=False)
        return trip

    def write(
        self, booking: Booking, payment: Payment | None, events: list[DomainEvent], *, trip: Trip
    ) -> bool:
        """Hold the booking's seats on the trip and write the booking, its payment and the
        events, if the trip still matches `trip`; False, with nothing written, otherwise
        (and the copy is dropped: the next booking reads the trip again)."""
        guard = {
            "trip_id": trip.id,
            "seats": booking.seats,
            "active": TripStatus.ACTIVE,
            "start_seen": trip.start_at,
            "price_seen": trip.price,
            "currency_seen": trip.currency,
        }
        new_rows = [(tables.bookings, [row_of(Booking, booking)])]
        if payment is not None:
            new_rows.append((tables.payments, [row_of(Payment, payment)]))
        if events:
            new_rows.append((tables.outbox, outbox_rows(events)))
        with self._sessions() as session, integrity_errors_as_conflicts(session):
            if session.get_bind().dialect.name == "postgresql":
                written = _in_one_statement(session, guard, new_rows)
            else:
                written = _in_one_transaction(session, guard, new_rows)
        if not written:
            with self._lock:
                self._copies.pop(trip.id, None)
            return False
        for item in (booking, payment):
            if item is not None:
                make_transient_to_detached(item)  # as if loaded, like Repository.add
        return True


def _in_one_statement(
    session: Session, guard: dict[str, Any], new_rows: list[tuple[Table, list[dict[str, Any]]]]
) -> bool:
    parameters = dict(guard)
    for n, (_table, rows) in enumerate(new_rows):
        parameters.update(commit_writes.rows_parameters(rows, f"i{n}_"))
    shape = tuple((table.name, tuple(rows[0]), len(rows)) for table, rows in new_rows)
    written = bool(session.scalar(_statement(shape), parameters) == 1)
    session.commit()  # a no-op in autocommit
    return written


def _in_one_transaction(
    session: Session, guard: dict[str, Any], new_rows: list[tuple[Table, list[dict[str, Any]]]]
) -> bool:
    held = typing.cast("CursorResult[Any]", session.execute(_hold(), guard))
    if held.rowcount != 1:
        return False
    commit_writes.write(session, [], new_rows)
    session.commit()
    return True


@cache
def _hold() -> Executable:
    """Take the seats while the trip is as the booking saw it (that it has not started is
    checked on the copy, whose start this requires) and its vendor is active."""
    t, u = tables.trips.c, tables.users.c
    seats = bindparam("seats", type_=Integer)
    return (
        update(tables.trips)
        .where(
            t.id == bindparam("trip_id"),
            t.status == bindparam("active"),
            exists().where(u.id == t.vendor_id, u.is_active),  # the vendor still sells
            # Not named after columns: an UPDATE would SET the columns its parameters name.
            t.start_at == bindparam("start_seen"),
            t.price == bindparam("price_seen"),
            t.currency == bindparam("currency_seen"),
            t.capacity - t.seats_taken >= seats,
        )
        .values(seats_taken=t.seats_taken + seats)
    )


@cache
def _statement(shape: tuple[commit_writes.RowsShape, ...]) -> Executable:
    """The seat hold, then each table's new rows INSERTed only if it took (`shape`: each
    table, its rows' columns and how many); the statement's value is how many trips it held
    seats on."""
    held = _hold().returning(tables.trips.c.id).cte("held")  # type: ignore[attr-defined]
    took = exists(select(held.c.id))
    written = [
        commit_writes.rows_insert(
            tables.metadata.tables[name], columns, count, f"i{n}_", only_if=took
        )
        for n, (name, columns, count) in enumerate(shape)
    ]
    return select(func.count()).select_from(held).add_cte(*written)
