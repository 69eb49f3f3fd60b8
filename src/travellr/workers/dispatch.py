"""The event dispatch table: which handlers run for which event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from travellr.application.notifications import DeliveryFailed, notify
from travellr.infrastructure.events.relay import OutboxEvent

if TYPE_CHECKING:
    from travellr.bootstrap import Services


class HandlerFailed(Exception):
    """A handler could not finish and should be retried with backoff."""


class Handler(Protocol):
    def __call__(
        self, event: OutboxEvent, *, services: Services, now: datetime, final_attempt: bool
    ) -> None: ...


def send_notifications(
    event: OutboxEvent, *, services: Services, now: datetime, final_attempt: bool
) -> None:
    """Email, SMS and push to the people the event concerns, as they chose."""
    try:
        notify(
            event.event_id,
            event.name,
            event.payload,
            store=services.notifications,
            senders=services.senders,
            now=now,
            final_attempt=final_attempt,
        )
    except DeliveryFailed as failure:
        raise HandlerFailed(str(failure)) from failure


NOTIFIED = (
    "booking.created",
    "booking.confirmed",
    "booking.cancelled",
    "booking.expired",
    "booking.completed",
    "payment.failed",
    "payment.refunded",
    "vendor.paid_out",
)
DISPATCH: dict[str, list[tuple[str, Handler]]] = {
    name: [("notifications", send_notifications)] for name in NOTIFIED
}


def handlers_for(event_name: str) -> list[tuple[str, Handler]]:
    """(name, handler) pairs; the name is what `handled_events` records."""
    return DISPATCH.get(event_name, [])
