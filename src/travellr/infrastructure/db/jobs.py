"""What the scheduled jobs work on, found by set-based queries, and the clean-up deletes."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Engine, delete, exists, func, insert, literal, or_, select

from travellr.domain.actors import Role
from travellr.domain.bookings import BookingStatus
from travellr.domain.payments import PaymentStatus
from travellr.domain.payouts import PayoutStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.types import UTCDateTime

_b = tables.bookings.c
_t = tables.trips.c
ARCHIVABLE = (BookingStatus.CANCELLED, BookingStatus.EXPIRED)
JOB_RUNS_KEPT = timedelta(days=30)


class SqlJobQueries:
    """The set-based queries and clean-ups of the scheduled jobs, each in one short statement
    or transaction of its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def overdue_pending(self, now: datetime, limit: int = 1000) -> list[UUID]:
        """Pending bookings whose hold has run out, oldest first. Those with a charge in flight
        are left out: its outcome decides them, and a batch full of them would hold up the rest."""
        p = tables.payments.c
        in_flight = exists().where(p.booking_id == _b.id, p.status == PaymentStatus.PENDING)
        query = (
            select(_b.id)
            .where(_b.status == BookingStatus.PENDING, _b.expires_at <= now, ~in_flight)
            .order_by(_b.expires_at)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.scalars(query))

    def stale_charges(
        self, *, attempted_before: datetime, attempted_after: datetime, limit: int = 100
    ) -> list[UUID]:
        """Payments still pending whose last attempt falls between the two times, oldest first."""
        p = tables.payments.c
        query = (
            select(p.id)
            .where(
                p.status == PaymentStatus.PENDING,
                p.updated_at < attempted_before,
                p.updated_at > attempted_after,
                p.payment_method.is_not(None),
            )
            .order_by(p.updated_at)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.scalars(query))

    def finished_confirmed(self, now: datetime, limit: int = 1000) -> list[UUID]:
        """Confirmed bookings whose trip has ended (or started, when it has no end)."""
        ended = func.coalesce(_t.end_at, _t.start_at)
        query = (
            select(_b.id)
            .join(tables.trips, _t.id == _b.trip_id)
            .where(_b.status == BookingStatus.CONFIRMED, ended <= now, _b.trip_date <= now)
            .order_by(_b.trip_date)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return list(connection.scalars(query))

    def vendors_with_takings(self) -> list[UUID]:
        """Vendors with completed bookings not yet paid out, or a payout whose transfer a dead
        worker left unsettled (the run transfers it again, under the same key)."""
        items, payouts = tables.payout_items.c, tables.payouts.c
        unpaid = select(_b.vendor_id).where(
            _b.status == BookingStatus.COMPLETED, _b.id.not_in(select(items.booking_id))
        )
        unsettled = select(payouts.vendor_id).where(payouts.status == PayoutStatus.PENDING)
        users = tables.users.c
        query = select(users.id).where(
            users.role == Role.VENDOR, or_(users.id.in_(unpaid), users.id.in_(unsettled))
        )
        with self._engine.connect() as connection:
            return list(connection.scalars(query))

    def purge_expired(self, now: datetime) -> dict[str, int]:
        """Delete expired idempotency keys, revoked-token records and rate-limit counters, and
        the record of job runs older than JOB_RUNS_KEPT."""
        expiring = {
            "idempotency_keys": (tables.idempotency_keys.c.expires_at, now),
            "revoked_tokens": (tables.revoked_tokens.c.expires_at, now),
            "rate_limit_counters": (tables.rate_limit_counters.c.expires_at, now),
            "job_runs": (tables.job_runs.c.started_at, now - JOB_RUNS_KEPT),
        }
        purged = {}
        with self._engine.begin() as connection:
            for name, (column, before) in expiring.items():
                table = tables.metadata.tables[name]
                purged[name] = connection.execute(delete(table).where(column <= before)).rowcount
        return purged

    def archive_bookings(self, *, older_than: datetime, now: datetime, batch: int = 1000) -> int:
        """Move a batch of old bookings that no money touched into `bookings_archive`."""
        untouched = ~exists().where(tables.payments.c.booking_id == _b.id)
        chosen = (
            select(_b.id)
            .where(_b.status.in_(ARCHIVABLE), _b.updated_at < older_than, untouched)
            .order_by(_b.updated_at)
            .limit(batch)
        )
        if self._engine.dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)  # a second run takes other rows
        archive = tables.bookings_archive
        columns = [column.name for column in tables.bookings.columns]
        with self._engine.begin() as connection:
            ids = list(connection.scalars(chosen))
            if not ids:
                return 0
            archived_at = literal(now, UTCDateTime).label("archived_at")
            copied = select(*tables.bookings.columns, archived_at)
            connection.execute(
                insert(archive).from_select([*columns, "archived_at"], copied.where(_b.id.in_(ids)))
            )
            connection.execute(delete(tables.bookings).where(_b.id.in_(ids)))
        return len(ids)
