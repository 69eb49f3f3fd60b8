"""Read-side queries for the list screens: straight SQL, rows as mappings, keyset pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Select, Table, exists, func, select

from travellr.application.ports.queries import (
    AuditFilters,
    BookingFilters,
    ManagedTripFilters,
    Page,
    PageRequest,
    TripFilters,
)
from travellr.domain.actors import Actor
from travellr.domain.trips import TripStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.audit import audit_entries
from travellr.infrastructure.db.pagination import paginate

_trips = tables.trips
_bookings = tables.bookings
_payments = tables.payments


class ListQueries:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def trips(self, filters: TripFilters, page: PageRequest, *, now: datetime) -> Page:
        """Active trips of active vendors, soonest first."""
        c, vendors = _trips.c, tables.users.c
        selling = exists().where(vendors.id == c.vendor_id, vendors.is_active)
        query: Select[Any] = select(
            *_trips.c, (c.capacity - c.seats_taken).label("seats_left")
        ).where(c.status == TripStatus.ACTIVE, selling)
        query = _destination_contains(query, filters.destination)
        query = _between(query, c.start_at, filters.starts_from, filters.starts_before)
        if filters.min_price is not None:
            query = query.where(c.price >= filters.min_price)
        if filters.max_price is not None:
            query = query.where(c.price <= filters.max_price)
        if filters.vendor_id is not None:
            query = query.where(c.vendor_id == filters.vendor_id)
        if filters.available:
            query = query.where(c.seats_taken < c.capacity, c.start_at > now)
        return self._page(query, [c.start_at, c.id], page, descending=False)

    def managed_trips(self, filters: ManagedTripFilters, page: PageRequest) -> Page:
        """Trips of any status (or of `status`), whether or not their vendor sells now,
        soonest first."""
        c = _trips.c
        query: Select[Any] = select(*_trips.c, (c.capacity - c.seats_taken).label("seats_left"))
        if filters.vendor_id is not None:
            query = query.where(c.vendor_id == filters.vendor_id)
        if filters.status is not None:
            query = query.where(c.status == filters.status)
        query = _destination_contains(query, filters.destination)
        return self._page(query, [c.start_at, c.id], page, descending=False)

    def bookings(self, actor: Actor, filters: BookingFilters, page: PageRequest) -> Page:
        """The bookings `actor` may see, newest first (the archive's, for `archived`)."""
        table = tables.bookings_archive if filters.archived else _bookings
        c = table.c
        query = _visible_bookings(select(table), actor, table)
        for column, value in (
            (c.status, filters.status),
            (c.trip_id, filters.trip_id),
            (c.user_id, filters.user_id),
            (c.vendor_id, filters.vendor_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if filters.user_email is not None:  # emails are stored in lower case
            users = tables.users.c
            travellers = select(users.id).where(users.email == filters.user_email.lower())
            query = query.where(c.user_id.in_(travellers))
        query = _between(query, c.trip_date, filters.trip_from, filters.trip_before)
        return self._page(query, [c.created_at, c.id], page, descending=True)

    def payments(
        self, actor: Actor, *, booking_id: UUID | None, status: str | None, page: PageRequest
    ) -> Page:
        """The payments `actor` may see, newest first."""
        c = _payments.c
        query = select(_payments).join(_bookings, _bookings.c.id == c.booking_id)
        query = _visible_bookings(query, actor)
        if booking_id is not None:
            query = query.where(c.booking_id == booking_id)
        if status is not None:
            query = query.where(c.status == status)
        return self._page(query, [c.created_at, c.id], page, descending=True)

    def refunds(self, payment_id: UUID, page: PageRequest) -> Page:
        """A payment's refunds, newest first."""
        c = tables.refunds.c
        query: Select[Any] = select(
            c.id, c.payment_id, c.amount, c.currency, c.status, c.reason, c.created_at
        ).where(c.payment_id == payment_id)
        return self._page(query, [c.created_at, c.id], page, descending=True)

    def payouts(self, vendor_id: UUID, page: PageRequest) -> Page:
        """A vendor's payouts, newest first."""
        c = tables.payouts.c
        query: Select[Any] = select(tables.payouts).where(c.vendor_id == vendor_id)
        return self._page(query, [c.created_at, c.id], page, descending=True)

    def payout(self, vendor_id: UUID, payout_id: UUID) -> dict[str, Any] | None:
        """One of a vendor's payouts; None if it has no such payout."""
        c = tables.payouts.c
        query = select(tables.payouts).where(c.vendor_id == vendor_id, c.id == payout_id)
        with self._engine.connect() as connection:
            row = connection.execute(query).mappings().one_or_none()
        return None if row is None else dict(row)

    def users(
        self, *, role: str | None, is_active: bool | None, q: str | None, page: PageRequest
    ) -> Page:
        """Users, newest first; `q` is a case-insensitive substring of the email or name."""
        c = tables.users.c
        query: Select[Any] = select(
            c.id, c.email, c.name, c.phone, c.role, c.is_active, c.created_at, c.updated_at
        )
        if role is not None:
            query = query.where(c.role == role)
        if is_active is not None:
            query = query.where(c.is_active == is_active)
        if q:
            needle = q.lower()  # emails are stored in lower case
            query = query.where(
                c.email.contains(needle, autoescape=True)
                | func.lower(c.name).contains(needle, autoescape=True)
            )
        return self._page(query, [c.created_at, c.id], page, descending=True)

    def audit_log(self, filters: AuditFilters, page: PageRequest) -> Page:
        """Audit entries, newest first."""
        return audit_entries(self._engine, filters, page)

    def _page(
        self, query: Select[Any], order: list[Any], page: PageRequest, *, descending: bool
    ) -> Page:
        with self._engine.connect() as connection:
            return paginate(connection, query, order, page, descending=descending)


def _visible_bookings(query: Select[Any], actor: Actor, table: Table = _bookings) -> Select[Any]:
    if actor.is_admin:
        return query
    if actor.is_vendor:
        return query.where(table.c.vendor_id == actor.user_id)
    return query.where(table.c.user_id == actor.user_id)


def _destination_contains(query: Select[Any], needle: str | None) -> Select[Any]:
    if not needle:
        return query
    return query.where(func.lower(_trips.c.destination).contains(needle.lower(), autoescape=True))


def _between(
    query: Select[Any], column: Any, start: datetime | None, before: datetime | None
) -> Select[Any]:
    if start is not None:
        query = query.where(column >= start)
    if before is not None:
        query = query.where(column < before)
    return query
