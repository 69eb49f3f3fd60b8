"""The in-process event bus: hands committed events to their handlers, after the commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from travellr.domain.events import DomainEvent

Handler = Callable[[DomainEvent], None]
log = logging.getLogger("travellr.events")


class InProcessEventBus:
    """Handlers run after commit; one failing never undoes the change or stops the others.

    Nothing is lost when a handler fails: every event is also in the outbox table, written in
    the same transaction as the change.
    """

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    def subscribe(self, event_name: str, handler: Handler) -> None:
        self._handlers[event_name].append(handler)

    def publish(self, events: list[DomainEvent]) -> None:
        for event in events:
            log.info("event", extra={"event": event.name, "aggregate_id": str(event.aggregate_id)})
            for handler in self._handlers.get(event.name, []):
                try:
                    handler(event)
                except Exception:
                    log.exception("event handler failed", extra={"event": event.name})
