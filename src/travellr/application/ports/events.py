"""The event bus: committed domain events reach the handlers of this process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from travellr.domain.events import DomainEvent


class EventBus(Protocol):
    def subscribe(self, event_name: str, handler: Callable[[DomainEvent], None]) -> None: ...
    def after_commit(self, callback: Callable[[list[DomainEvent]], None]) -> None:
        """Call `callback` once per commit that recorded events (e.g. to kick the relay)."""
        ...

    def publish(self, events: list[DomainEvent]) -> None: ...
