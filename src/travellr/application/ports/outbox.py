"""The outbox as the workers see it: committed events to publish, and which handlers ran."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class OutboxEvent:
    sequence: int  # its place in the outbox: events are published and handled in this order
    event_id: UUID
    name: str
    aggregate_id: UUID
    payload: dict[str, Any]


class OutboxRelay(Protocol):
    """Hands committed events on at least once, oldest first; handlers are idempotent."""

    def relay(
        self,
        publish: Callable[[OutboxEvent], None],
        *,
        now: datetime,
        republish_after: timedelta,
        batch: int = 100,
    ) -> int:
        """Publish up to `batch` due events in outbox order (those never published, and those
        published but still unhandled after `republish_after`); returns how many."""
        ...

    def load_event(self, event_id: UUID) -> OutboxEvent | None: ...
    def earlier_unhandled(self, event: OutboxEvent) -> bool:
        """Whether an older event of the same aggregate is still unhandled (order per aggregate)."""
        ...

    def was_handled(self, event_id: UUID, handler: str) -> bool: ...
    def record_handled(self, event_id: UUID, handler: str, *, now: datetime) -> None:
        """Record that `handler` handled the event (a second record of it changes nothing)."""
        ...

    def mark_handled(self, event: OutboxEvent, *, now: datetime) -> None:
        """Every handler of the event ran: it is never published again."""
        ...
