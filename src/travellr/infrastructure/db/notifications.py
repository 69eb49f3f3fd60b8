"""Notification preferences, push devices and the record of deliveries, in SQL.

Every method runs in a short transaction of its own: `notify` commits each delivery's outcome
as soon as the provider has answered, so progress survives a crash of the worker.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from travellr.application.ports.notifications import Device, Recipient, TripSummary
from travellr.application.ports.queries import Page, PageRequest
from travellr.domain.errors import ConcurrentChange
from travellr.domain.notifications import Delivery, Platform, Preferences
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.pagination import paginate

_prefs = tables.notification_preferences
_devices = tables.devices
_deliveries = tables.notification_deliveries


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SqlNotificationStore:
    """Both `NotificationStore` (for `notify`) and `NotificationSettingsStore` (for the API)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def recipient(self, user_id: UUID) -> Recipient | None:
        u, p = tables.users.c, _prefs.c
        query = (
            select(u.id, u.name, u.email, u.phone, u.is_active, p.email.label("on_email"))
            .add_columns(p.sms, p.push)
            .outerjoin(_prefs, p.user_id == u.id)
            .where(u.id == user_id)
        )
        tokens = select(_devices.c.token).where(_devices.c.user_id == user_id)
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
            device_tokens = tuple(session.scalars(tokens.order_by(_devices.c.created_at)))
        if row is None:
            return None
        preferences = (
            Preferences() if row.on_email is None else Preferences(row.on_email, row.sms, row.push)
        )
        return Recipient(
            user_id=row.id,
            name=row.name,
            email=row.email,
            phone=row.phone,
            is_active=row.is_active,
            preferences=preferences,
            device_tokens=device_tokens,
        )

    def trip_of_booking(self, booking_id: UUID) -> TripSummary | None:
        b, t = tables.bookings.c, tables.trips.c
        query = (
            select(t.title, t.destination, t.start_at)
            .join_from(tables.bookings, tables.trips, t.id == b.trip_id)
            .where(b.id == booking_id)
        )
        with self._sessions() as session:
            row = session.execute(query).one_or_none()
        return None if row is None else TripSummary(row.title, row.destination, row.start_at)

    def deliveries(self, event_id: UUID) -> list[Delivery]:
        d = _deliveries.c
        query = select(d.event_id, d.user_id, d.channel, d.status, d.attempts, d.error).where(
            d.event_id == event_id
        )
        with self._sessions() as session:
            return [Delivery(*row) for row in session.execute(query)]

    def save_delivery(self, delivery: Delivery, *, now: datetime) -> None:
        changes = {
            "status": delivery.status,
            "attempts": delivery.attempts,
            "error": delivery.error,
            "updated_at": now,
        }
        keys = {"event_id": delivery.event_id, "user_id": delivery.user_id}
        with self._sessions.begin() as session:
            statement = (
                _insert(session, _deliveries)
                .values(
                    id=uuid.uuid4(), channel=delivery.channel, created_at=now, **keys, **changes
                )
                .on_conflict_do_update(
                    index_elements=["event_id", "user_id", "channel"], set_=changes
                )
            )
            session.execute(statement)

    def forget_device(self, token: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(_devices).where(_devices.c.token_sha256 == token_digest(token)))

    def save_preferences(self, user_id: UUID, preferences: Preferences, *, now: datetime) -> None:
        changes = {
            "email": preferences.email,
            "sms": preferences.sms,
            "push": preferences.push,
            "updated_at": now,
        }
        with self._sessions.begin() as session:
            statement = (
                _insert(session, _prefs)
                .values(user_id=user_id, **changes)
                .on_conflict_do_update(index_elements=["user_id"], set_=changes)
            )
            session.execute(statement)

    def register_device(
        self, user_id: UUID, token: str, platform: Platform, *, now: datetime
    ) -> tuple[Device, bool]:
        digest = token_digest(token)
        device = Device(uuid.uuid4(), user_id, token, platform, now)
        with self._sessions.begin() as session:
            inserted = session.execute(
                _insert(session, _devices)
                .values(
                    id=device.id,
                    user_id=user_id,
                    token=token,
                    token_sha256=digest,
                    platform=platform,
                    created_at=now,
                )
                .on_conflict_do_nothing(index_elements=["token_sha256"])
                .returning(_devices.c.id)
            ).first()
            if inserted is not None:
                return device, True
            return self._claim(session, digest, user_id, platform, now)

    def _claim(
        self, session: Session, digest: str, user_id: UUID, platform: Platform, now: datetime
    ) -> tuple[Device, bool]:
        """The token is registered already: to this user (update it) or another (move it)."""
        query = select(_devices).where(_devices.c.token_sha256 == digest).with_for_update()
        row = session.execute(query).mappings().one_or_none()
        if row is None:  # removed between our insert and this read
            raise ConcurrentChange("the device was changed by a concurrent request; retry")
        moved = row["user_id"] != user_id
        created_at = now if moved else row["created_at"]
        session.execute(
            update(_devices)
            .where(_devices.c.id == row["id"])
            .values(user_id=user_id, platform=platform, created_at=created_at)
        )
        return Device(row["id"], user_id, row["token"], platform, created_at), moved

    def remove_device(self, user_id: UUID, device_id: UUID) -> bool:
        query = (
            delete(_devices)
            .where(_devices.c.id == device_id, _devices.c.user_id == user_id)
            .returning(_devices.c.id)
        )
        with self._sessions.begin() as session:
            return session.execute(query).first() is not None

    def devices_page(self, user_id: UUID, page: PageRequest) -> Page:
        """The user's devices, newest first."""
        d = _devices.c
        query = select(d.id, d.token, d.platform, d.created_at).where(d.user_id == user_id)
        with self._sessions() as session:
            return paginate(
                session.connection(), query, (d.created_at, d.id), page, descending=True
            )


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
