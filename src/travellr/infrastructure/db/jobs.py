"""What the scheduled jobs work on, found by set-based queries, and the clean-up deletes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, delete, func, select

from travellr.domain.actors import Role
from travellr.domain.bookings import BookingStatus
from travellr.infrastructure.db import tables

_b = tables.bookings.c
_t = tables.trips.c


def overdue_pending(engine: Engine, now: datetime, limit: int = 1000) -> list[UUID]:
    query = (
        select(_b.id)
        .where(_b.status == BookingStatus.PENDING, _b.expires_at <= now)
        .order_by(_b.expires_at)
        .limit(limit)
    )
    with engine.connect() as connection:
        return list(connection.scalars(query))


def finished_confirmed(engine: Engine, now: datetime, limit: int = 1000) -> list[UUID]:
    """Confirmed bookings whose trip has ended (or started, when it has no end)."""
    ended = func.coalesce(_t.end_at, _t.start_at)
    query = (
        select(_b.id)
        .join(tables.trips, _t.id == _b.trip_id)
        .where(_b.status == BookingStatus.CONFIRMED, ended <= now, _b.trip_date <= now)
        .order_by(_b.trip_date)
        .limit(limit)
    )
    with engine.connect() as connection:
        return list(connection.scalars(query))


def vendors_with_takings(engine: Engine) -> list[UUID]:
    """Vendors with completed bookings not yet paid out, or refunds still to recover."""
    items = tables.payout_items.c
    unpaid = select(_b.vendor_id).where(
        _b.status == BookingStatus.COMPLETED, _b.id.not_in(select(items.booking_id))
    )
    users = tables.users.c
    query = select(users.id).where(users.role == Role.VENDOR, users.id.in_(unpaid))
    with engine.connect() as connection:
        return list(connection.scalars(query))


def purge_expired(engine: Engine, now: datetime) -> dict[str, int]:
    """Delete expired idempotency keys, revoked-token records and rate-limit counters."""
    expiring = {
        "idempotency_keys": tables.idempotency_keys.c.expires_at,
        "revoked_tokens": tables.revoked_tokens.c.expires_at,
        "rate_limit_counters": tables.rate_limit_counters.c.expires_at,
    }
    purged = {}
    with engine.begin() as connection:
        for name, expires_at in expiring.items():
            table = tables.metadata.tables[name]
            purged[name] = connection.execute(delete(table).where(expires_at <= now)).rowcount
    return purged
