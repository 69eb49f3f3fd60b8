"""Webhook endpoints and deliveries in SQL: the changes people make, in a unit of work's
session (`SqlWebhookEndpoints`), and the sender's and the lists' statements, each a short
transaction of its own (`SqlWebhookStore`)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from travellr.application.ports.queries import Page, PageRequest
from travellr.application.ports.webhooks import (
    AttemptOutcome,
    ClaimedDelivery,
    Delivery,
    Endpoint,
    EventResource,
)
from travellr.application.resources import BOOKING, PAYMENT, PAYOUT, TRIP, Resource
from travellr.domain.actors import Role
from travellr.domain.bookings import Booking
from travellr.domain.payments import Payment
from travellr.domain.payouts import Payout
from travellr.domain.trips import Trip
from travellr.domain.webhooks import DeliveryStatus, subscribes_to
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.pagination import paginate

_endpoints = tables.webhook_endpoints
_deliveries = tables.webhook_deliveries
_e, _d = _endpoints.c, _deliveries.c
# Which resource each event type's `data` is, by the event's aggregate id.
_RESOURCES: dict[str, tuple[type[Any], Resource]] = {
    "booking": (Booking, BOOKING),
    "payment": (Payment, PAYMENT),
    "payout": (Payout, PAYOUT),
    "trip": (Trip, TRIP),
}
_DELIVERY_COLUMNS = (
    _d.id,
    _d.endpoint_id,
    _d.event_id,
    _d.event_type,
    _d.status,
    _d.attempts,
    _d.last_status_code,
    _d.last_error,
    _d.next_attempt_at,
    _d.created_at,
    _d.delivered_at,
)


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        id=row.id,
        owner_id=row.owner_id,
        url=row.url,
        events=tuple(json.loads(row.events)),
        description=row.description,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        disabled_at=row.disabled_at,
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(**{column.key: row[column.key] for column in _DELIVERY_COLUMNS})


def _endpoint_values(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": json.dumps(list(endpoint.events)),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "updated_at": endpoint.updated_at,
        "disabled_at": endpoint.disabled_at,
    }


def _new_delivery(
    endpoint_id: UUID, event_id: UUID, event_type: str, body: str, now: datetime
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "event_type": event_type,
        "body": body,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


class SqlWebhookEndpoints:
    """Endpoint changes in the unit of work's session: committed with its audit entries.

    `*_for_update` lock the row on PostgreSQL; on SQLite the transaction holds the write lock.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, endpoint: Endpoint, sealed_secret: str, *, limit: int) -> bool:
        owner = select(tables.users.c.id).where(tables.users.c.id == endpoint.owner_id)
        self._session.execute(owner.with_for_update())  # one owner's creations one at a time
        count = self._session.scalar(select(func.count()).where(_e.owner_id == endpoint.owner_id))
        if (count or 0) >= limit:
            return False
        self._session.execute(
            _endpoints.insert().values(
                **_endpoint_values(endpoint),
                id=endpoint.id,
                owner_id=endpoint.owner_id,
                secret_encrypted=sealed_secret,
                created_at=endpoint.created_at,
            )
        )
        return True

    def get_for_update(self, endpoint_id: UUID) -> Endpoint | None:
        query = select(_endpoints).where(_e.id == endpoint_id).with_for_update()
        row = self._session.execute(query).first()
        return None if row is None else _endpoint(row)

    def save(
        self, endpoint: Endpoint, *, sealed_secret: str | None = None, fresh_start: bool = False
    ) -> None:
        values = _endpoint_values(endpoint)
        if sealed_secret is not None:
            values["secret_encrypted"] = sealed_secret
        if fresh_start:
            values["failing_since"] = None
        self._session.execute(update(_endpoints).where(_e.id == endpoint.id).values(**values))

    def delete(self, endpoint_id: UUID) -> None:
        self._session.execute(delete(_deliveries).where(_d.endpoint_id == endpoint_id))
        self._session.execute(delete(_endpoints).where(_e.id == endpoint_id))

    def add_delivery(
        self, endpoint_id: UUID, event_id: UUID, event_type: str, body: str, *, now: datetime
    ) -> Delivery:
        row = _new_delivery(endpoint_id, event_id, event_type, body, now)
        self._session.execute(_deliveries.insert().values(row))
        return _delivery({column.key: row.get(column.key) for column in _DELIVERY_COLUMNS})

    def delivery_for_update(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        query = (
            select(*_DELIVERY_COLUMNS)
            .where(_d.id == delivery_id, _d.endpoint_id == endpoint_id)
            .with_for_update()
        )
        row = self._session.execute(query).mappings().first()
        return None if row is None else _delivery(row)

    def make_due(self, delivery_id: UUID, *, now: datetime) -> Delivery:
        statement = (
            update(_deliveries)
            .where(_d.id == delivery_id)
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now, updated_at=now)
            .returning(*_DELIVERY_COLUMNS)
        )
        return _delivery(self._session.execute(statement).mappings().one())


class SqlWebhookStore:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def endpoint(self, endpoint_id: UUID) -> Endpoint | None:
        with self._sessions() as session:
            row = session.execute(select(_endpoints).where(_e.id == endpoint_id)).first()
        return None if row is None else _endpoint(row)

    def endpoints_page(
        self, owner_id: UUID | None, *, limit: int, cursor: str | None
    ) -> tuple[list[Endpoint], str | None]:
        query = select(_endpoints)
        if owner_id is not None:
            query = query.where(_e.owner_id == owner_id)
        page = self._newest_first(query, (_e.created_at, _e.id), limit, cursor)
        return [_endpoint(row) for row in page.items], page.next_cursor

    def deliveries_page(
        self,
        endpoint_id: UUID,
        *,
        status: DeliveryStatus | None,
        event_type: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Delivery], str | None]:
        query = select(*_DELIVERY_COLUMNS).where(_d.endpoint_id == endpoint_id)
        if status is not None:
            query = query.where(_d.status == status)
        if event_type is not None:
            query = query.where(_d.event_type == event_type)
        page = self._newest_first(query, (_d.created_at, _d.id), limit, cursor)
        return [_delivery(row) for row in page.items], page.next_cursor

    def _newest_first(
        self, query: Select[Any], order: tuple[Any, ...], limit: int, cursor: str | None
    ) -> Page:
        with self._sessions() as session:
            return paginate(
                session.connection(), query, order, PageRequest(limit, cursor), descending=True
            )

    def event_resource(self, event_type: str, aggregate_id: UUID) -> EventResource | None:
        kind, resource = _RESOURCES[event_type.split(".", 1)[0]]
        with self._sessions() as session:
            item = session.get(kind, aggregate_id)
            if item is None:
                return None
            return EventResource(resource.render(item), item.vendor_id)

    def create_deliveries(
        self, event_id: UUID, event_type: str, body: str, vendor_id: UUID | None, *, now: datetime
    ) -> int:
        u = tables.users.c
        audience = or_(u.role == Role.ADMIN, and_(u.role == Role.VENDOR, u.id == vendor_id))
        candidates = (
            select(_e.id, _e.events)
            .join(tables.users, u.id == _e.owner_id)
            .where(_e.enabled.is_(True), u.is_active.is_(True), audience)
            # An endpoint being deleted is waited for, then skipped: its deliveries would
            # otherwise point at a row that is gone (a foreign-key violation).
            .with_for_update(key_share=True, of=tables.webhook_endpoints)
        )
        with self._sessions.begin() as session:
            chosen = [
                row.id
                for row in session.execute(candidates)
                if subscribes_to(json.loads(row.events), event_type)
            ]
            if not chosen:
                return 0
            rows = [
                _new_delivery(endpoint_id, event_id, event_type, body, now)
                for endpoint_id in chosen
            ]
            # The rows as parameters, not in .values(): the statement is then compiled once
            # and cached, and SQLAlchemy still sends the rows as one INSERT.
            statement = (
                _insert(session)
                .on_conflict_do_nothing(index_elements=["event_id", "endpoint_id"])
                .returning(_d.id)
            )
            return len(session.execute(statement, rows).all())

    def claim_due(self, *, now: datetime, until: datetime, limit: int) -> list[ClaimedDelivery]:
        free = or_(_d.claimed_until.is_(None), _d.claimed_until < now)
        due = and_(_d.status == DeliveryStatus.PENDING, _d.next_attempt_at <= now, free)
        query: Select[Any] = (
            select(_d.id)
            .join(_endpoints, _e.id == _d.endpoint_id)
            .where(due, _e.enabled.is_(True))
            .order_by(_d.next_attempt_at)
            .limit(limit)
        )
        with self._sessions.begin() as session:
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(of=_deliveries, skip_locked=True)
            ids = list(session.scalars(query))
            if not ids:
                return []
            # Still free when written: on SQLite a second sender may have read the same rows.
            claimed = session.execute(
                update(_deliveries)
                .where(_d.id.in_(ids), due)
                .values(claimed_until=until, attempts=_d.attempts + 1, updated_at=now)
                .returning(_d.id, _d.endpoint_id, _d.event_id, _d.body, _d.attempts)
            ).all()
            endpoints = {
                row.id: row
                for row in session.execute(
                    select(_e.id, _e.url, _e.secret_encrypted).where(
                        _e.id.in_({row.endpoint_id for row in claimed})
                    )
                )
            }
        return [
            ClaimedDelivery(
                id=row.id,
                endpoint_id=row.endpoint_id,
                event_id=row.event_id,
                url=endpoints[row.endpoint_id].url,
                sealed_secret=endpoints[row.endpoint_id].secret_encrypted,
                body=row.body,
                attempts=row.attempts,
            )
            for row in claimed
        ]

    def record_attempt(self, claimed: ClaimedDelivery, outcome: AttemptOutcome) -> bool:
        statement = (
            update(_deliveries)
            .where(
                _d.id == claimed.id,
                _d.attempts == claimed.attempts,
                _d.status == DeliveryStatus.PENDING,
            )
            .values(
                status=outcome.status,
                last_status_code=outcome.status_code,
                last_error=outcome.error,
                last_response=outcome.response,
                next_attempt_at=outcome.next_attempt_at,
                delivered_at=outcome.delivered_at,
                claimed_until=None,
                updated_at=outcome.at,
            )
            .returning(_d.id)
        )
        with self._sessions.begin() as session:
            return session.execute(statement).first() is not None

    def note_endpoint_result(
        self,
        endpoint_id: UUID,
        *,
        succeeded: bool,
        now: datetime,
        disable_if_failing_since: datetime,
    ) -> bool:
        with self._sessions.begin() as session:
            if succeeded:
                session.execute(
                    update(_endpoints).where(_e.id == endpoint_id).values(failing_since=None)
                )
                return False
            session.execute(
                update(_endpoints)
                .where(_e.id == endpoint_id, _e.failing_since.is_(None))
                .values(failing_since=now)
            )
            disabled = session.execute(
                update(_endpoints)
                .where(
                    _e.id == endpoint_id,
                    _e.enabled.is_(True),
                    _e.failing_since <= disable_if_failing_since,
                )
                .values(enabled=False, disabled_at=now, updated_at=now)
                .returning(_e.id)
            ).first()
        return disabled is not None

    def next_due(self) -> datetime | None:
        query = select(func.min(_d.next_attempt_at)).where(_d.status == DeliveryStatus.PENDING)
        with self._sessions() as session:
            due: datetime | None = session.scalar(query)
        return due


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_deliveries)
