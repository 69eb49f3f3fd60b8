"""The event dispatch table: which handlers run for which event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from travellr.application.notifications import DeliveryFailed, notify
from travellr.infrastructure.db.notifications import SqlNotificationStore
from travellr.infrastructure.events.relay import OutboxEvent
from travellr.infrastructure.notifications.senders import build_senders

if TYPE_CHECKING:
    from travellr.api.http.authentication import Services


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
            store=SqlNotificationStore(services.session_factory),
            senders=build_senders(services.settings),
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
