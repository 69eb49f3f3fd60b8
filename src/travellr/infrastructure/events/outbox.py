"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import insert
from sqlalchemy.orm import Session

from travellr.domain.events import DomainEvent
from travellr.infrastructure.db import tables

# inline(): nothing reads the new rows' ids back, so no RETURNING on a single event.
_INSERT = insert(tables.outbox).inline()


def write_to_outbox(session: Session, events: list[DomainEvent]) -> None:
    if events:
        session.execute(_INSERT, outbox_rows(events))


def outbox_rows(events: list[DomainEvent]) -> list[dict[str, object]]:
    return [
        {
            "event_id": uuid.uuid4(),
            "name": event.name,
            "aggregate_id": event.aggregate_id,
            "payload": json.dumps(event.payload()),
            "occurred_at": event.occurred_at,
        }
        for event in events
    ]
