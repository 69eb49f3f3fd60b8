"""The outbox relay: hands committed events to the broker, at least once, oldest first.

Rows are claimed in one short transaction, published, then marked published. A relay that
dies after claiming leaves its claim to expire (`CLAIM_TIMEOUT`), and the next relay sends
those events again. An event published but still unhandled after `republish_after` (its task
was lost with a worker, or a broker forgot it) is published again too. Handlers are
idempotent, so at least once is enough.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, and_, exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from travellr.application.ports.outbox import OutboxEvent
from travellr.infrastructure.db import tables

CLAIM_TIMEOUT = timedelta(minutes=2)
_outbox = tables.outbox


class SqlOutboxRelay:
    """The outbox and handled_events tables, through short transactions of their own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def relay(
        self,
        publish: Callable[[OutboxEvent], None],
        *,
        now: datetime,
        republish_after: timedelta,
        batch: int = 100,
    ) -> int:
        """Publish up to `batch` due events in outbox order; returns how many."""
        events = self._claim(now=now, republish_after=republish_after, batch=batch)
        for event in events:
            publish(event)
        if events:
            with self._engine.begin() as connection:
                connection.execute(
                    update(_outbox)
                    .where(_outbox.c.id.in_([event.sequence for event in events]))
                    .values(published_at=now)
                )
        return len(events)

    def _claim(self, *, now: datetime, republish_after: timedelta, batch: int) -> list[OutboxEvent]:
        c = _outbox.c
        # A claim holds until the event is published, or for CLAIM_TIMEOUT, whether the event
        # is sent for the first time or again: a second relay must not send what the first one
        # is sending right now. A claim older than the event's last publication is over.
        unclaimed = or_(
            c.claimed_at.is_(None),
            c.claimed_at < now - CLAIM_TIMEOUT,
            and_(c.published_at.is_not(None), c.claimed_at <= c.published_at),
        )
        lost = and_(c.handled_at.is_(None), c.published_at < now - republish_after)
        claimable = and_(unclaimed, or_(c.published_at.is_(None), lost))
        query = select(_outbox).where(claimable).order_by(c.id).limit(batch)
        if self._engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        with self._engine.begin() as connection:
            rows = connection.execute(query).all()
            if rows:
                ids = [row.id for row in rows]
                connection.execute(update(_outbox).where(c.id.in_(ids)).values(claimed_at=now))
        return [_event(row) for row in rows]

    def load_event(self, event_id: UUID) -> OutboxEvent | None:
        with self._engine.connect() as connection:
            query = select(_outbox).where(_outbox.c.event_id == event_id)
            row = connection.execute(query).first()
        return None if row is None else _event(row)

    def earlier_unhandled(self, event: OutboxEvent) -> bool:
        """Whether an older event of the same aggregate is still unhandled."""
        c = _outbox.c
        query = select(
            exists().where(
                c.aggregate_id == event.aggregate_id, c.id < event.sequence, c.handled_at.is_(None)
            )
        )
        with self._engine.connect() as connection:
            return bool(connection.scalar(query))

    def mark_handled(self, event: OutboxEvent, *, now: datetime) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(_outbox).where(_outbox.c.id == event.sequence).values(handled_at=now)
            )

    def was_handled(self, event_id: UUID, handler: str) -> bool:
        h = tables.handled_events.c
        query = select(exists().where(h.event_id == event_id, h.handler == handler))
        with self._engine.connect() as connection:
            return bool(connection.scalar(query))

    def record_handled(self, event_id: UUID, handler: str, *, now: datetime) -> None:
        """Record that `handler` handled the event (a second record of it changes nothing)."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    insert(tables.handled_events).values(
                        event_id=event_id, handler=handler, handled_at=now
                    )
                )
        except IntegrityError:
            return


def _event(row: Any) -> OutboxEvent:
    return OutboxEvent(row.id, row.event_id, row.name, row.aggregate_id, json.loads(row.payload))
