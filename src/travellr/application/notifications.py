"""Tell the people concerned what happened to their bookings and money, on the channels they chose.

Who hears of what: the traveller of every booking event, and the trip's vendor of a booking
created, confirmed or cancelled; the traveller of a failed payment and of a refund; the vendor
of a payout. `payment.processed` sends nothing: `booking.confirmed`, recorded with it, already
tells the traveller that the payment went through. Deactivated accounts get nothing.

Delivery is at least once per (event, user, channel): each outcome is recorded (and committed)
as soon as it is known, so a redelivered or retried event skips what was delivered or failed for
good; only a crash between a provider's answer and that record can repeat a message.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from travellr.application.notification_messages import Message, compose
from travellr.application.ports.notifications import (
    NotificationStore,
    PermanentDeliveryError,
    Recipient,
    RetryableDeliveryError,
    Senders,
    UnregisteredDevice,
)
from travellr.domain.notifications import Channel, Delivery, DeliveryStatus

__all__ = ["DeliveryFailed", "Senders", "notify", "recipients_of"]

log = logging.getLogger("travellr.notifications")
TRAVELLER, VENDOR = "traveller", "vendor"
_AUDIENCES: dict[str, tuple[str, ...]] = {
    "booking.created": (TRAVELLER, VENDOR),
    "booking.confirmed": (TRAVELLER, VENDOR),
    "booking.cancelled": (TRAVELLER, VENDOR),
    "booking.expired": (TRAVELLER,),
    "booking.completed": (TRAVELLER,),
    "payment.failed": (TRAVELLER,),
    "payment.refunded": (TRAVELLER,),
    "vendor.paid_out": (VENDOR,),
}
_ID_FIELDS = {TRAVELLER: "user_id", VENDOR: "vendor_id"}
_PUSH_DATA_FIELDS = ("booking_id", "payment_id", "refund_id", "payout_id")


class DeliveryFailed(Exception):
    """Some deliveries failed in a way worth retrying (the task retries; delivered ones are
    skipped next time)."""


def recipients_of(event_name: str, payload: dict[str, Any]) -> list[tuple[str, UUID]]:
    """(audience, user id) pairs the event concerns, each user once."""
    pairs: dict[UUID, str] = {}
    for audience in _AUDIENCES.get(event_name, ()):
        pairs.setdefault(UUID(str(payload[_ID_FIELDS[audience]])), audience)
    return [(audience, user_id) for user_id, audience in pairs.items()]


def notify(
    event_id: UUID,
    event_name: str,
    payload: dict[str, Any],
    *,
    store: NotificationStore,
    senders: Senders,
    now: datetime,
    final_attempt: bool = False,
) -> list[Delivery]:
    """Send the event's messages not yet delivered; raise DeliveryFailed if some may be retried."""
    recorded = {(d.user_id, d.channel): d for d in store.deliveries(event_id)}
    deliveries: list[Delivery] = []
    for audience, user_id in recipients_of(event_name, payload):
        recipient = store.recipient(user_id)
        if recipient is None or not recipient.is_active:
            continue
        planned = [
            recorded.get((user_id, channel)) or Delivery(event_id, user_id, channel)
            for channel in recipient.channels()
        ]
        due = [delivery for delivery in planned if not delivery.settled]
        if due:
            booking_id = payload.get("booking_id")
            trip = store.trip_of_booking(UUID(str(booking_id))) if booking_id else None
            message = compose(event_name, audience, payload, name=recipient.name, trip=trip)
            data = _push_data(event_id, event_name, payload)
            for delivery in due:
                _attempt(delivery, recipient, message, data, store, senders, final_attempt)
                store.save_delivery(delivery, now=now)
        deliveries.extend(planned)
    retrying = [d for d in deliveries if not d.settled]
    if retrying:
        raise DeliveryFailed(
            f"{len(retrying)} of the {event_name} notifications will be retried: "
            + "; ".join(f"{d.channel} to {d.user_id}: {d.error}" for d in retrying)
        )
    return deliveries


def _attempt(
    delivery: Delivery,
    recipient: Recipient,
    message: Message,
    data: dict[str, str],
    store: NotificationStore,
    senders: Senders,
    final_attempt: bool,
) -> None:
    delivery.attempts += 1
    try:
        _send(delivery, recipient, message, data, store, senders)
    except PermanentDeliveryError as exc:
        _give_up(delivery, str(exc))
    except RetryableDeliveryError as exc:
        if final_attempt:
            _give_up(delivery, f"gave up after {delivery.attempts} attempts: {exc}")
        else:
            delivery.error = str(exc)
    else:
        delivery.status, delivery.error = DeliveryStatus.DELIVERED, None


def _give_up(delivery: Delivery, error: str) -> None:
    delivery.status, delivery.error = DeliveryStatus.FAILED, error
    log.warning(
        "notification not delivered",
        extra={
            "event_id": str(delivery.event_id),
            "user_id": str(delivery.user_id),
            "channel": delivery.channel.value,
            "attempts": delivery.attempts,
            "error": error,
        },
    )


def _send(
    delivery: Delivery,
    recipient: Recipient,
    message: Message,
    data: dict[str, str],
    store: NotificationStore,
    senders: Senders,
) -> None:
    channel = delivery.channel
    if channel is Channel.EMAIL:
        key = f"{delivery.event_id}.{delivery.user_id}.{channel.value}"
        senders.email.send(
            recipient.email, message.subject, message.text, message.html, message_key=key
        )
    elif channel is Channel.SMS:
        assert recipient.phone is not None  # Recipient.channels() offers SMS only with a phone
        senders.sms.send(recipient.phone, message.short)
    else:
        _push(recipient.device_tokens, message, data, store, senders)


def _push(
    tokens: tuple[str, ...],
    message: Message,
    data: dict[str, str],
    store: NotificationStore,
    senders: Senders,
) -> None:
    """Sent to every device; delivered when any took it. Dead tokens are forgotten."""
    delivered, errors = False, list[Exception]()
    for token in tokens:
        try:
            senders.push.send(token, message.subject, message.short, data)
        except UnregisteredDevice as exc:
            store.forget_device(token)
            errors.append(exc)
        except (PermanentDeliveryError, RetryableDeliveryError) as exc:
            errors.append(exc)
        else:
            delivered = True
    if not delivered:
        retryable = [error for error in errors if isinstance(error, RetryableDeliveryError)]
        raise (retryable or errors)[0]


def _push_data(event_id: UUID, event_name: str, payload: dict[str, Any]) -> dict[str, str]:
    """What the app needs to open the right screen; FCM data values must be strings."""
    ids = {name: str(payload[name]) for name in _PUSH_DATA_FIELDS if payload.get(name)}
    return {"event": event_name, "event_id": str(event_id), **ids}
