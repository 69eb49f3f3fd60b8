"""The transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import json
import uuid

from travellr.domain.events import DomainEvent


def outbox_rows(events: list[DomainEvent]) -> list[dict[str, object]]:
    """The outbox rows of the events, for the commit to write with its other changes."""
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
