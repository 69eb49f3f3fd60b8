"""The in-process event bus: hands committed events to their handlers, after the commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

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
        self._after_commit: list[Callable[[list[DomainEvent]], None]] = []

    def subscribe(self, event_name: str, handler: Handler) -> None:
        self._handlers[event_name].append(handler)

    def after_commit(self, callback: Callable[[list[DomainEvent]], None]) -> None:
        """Call `callback` once per commit that recorded events (e.g. to kick the relay)."""
        self._after_commit.append(callback)

    def publish(self, events: list[DomainEvent]) -> None:
        for event in events:
            log.info("event", extra={"event": event.name, "aggregate_id": str(event.aggregate_id)})
            for handler in self._handlers.get(event.name, []):
                self._run(handler, event, event.name)
        if events:
            for callback in self._after_commit:
                self._run(callback, events, "after_commit")

    @staticmethod
    def _run(handler: Callable[[Any], None], argument: Any, label: str) -> None:
        try:
            handler(argument)
        except Exception:
            log.exception("event handler failed", extra={"event": label})
