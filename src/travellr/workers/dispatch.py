"""The event dispatch table: which handlers run for which event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from travellr.application import webhooks
from travellr.application.notifications import DeliveryFailed, notify
from travellr.application.ports.outbox import OutboxEvent
from travellr.domain.webhooks import public_event_type

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


def deliver_to_webhooks(
    event: OutboxEvent, *, services: Services, now: datetime, final_attempt: bool
) -> None:
    """Make the event's deliveries to the endpoints subscribed to it; the sender posts them."""
    occurred_at = datetime.fromisoformat(str(event.payload["occurred_at"]))
    created = webhooks.fan_out(
        event.event_id,
        event.name,
        event.aggregate_id,
        occurred_at,
        store=services.webhooks.store,
        now=now,
    )
    if created:
        services.webhooks.due_now()


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
PUBLISHED = (*NOTIFIED, "payment.processed", "trip.updated")
DISPATCH: dict[str, list[tuple[str, Handler]]] = {
    name: [
        *([("notifications", send_notifications)] if name in NOTIFIED else []),
        *([("webhooks", deliver_to_webhooks)] if public_event_type(name) else []),
    ]
    for name in PUBLISHED
}


def handlers_for(event_name: str) -> list[tuple[str, Handler]]:
    """(name, handler) pairs; the name is what `handled_events` records."""
    return DISPATCH.get(event_name, [])
