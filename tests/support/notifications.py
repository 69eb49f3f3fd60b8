"""In-memory fakes of the notification ports: a store and a sender that records what it sends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from travellr.application.ports.notifications import Recipient, TripSummary
from travellr.domain.notifications import Channel, Delivery

TRIP = TripSummary("Alps <&> Lakes", "Chamonix", datetime(2026, 12, 25, 10, 0, tzinfo=UTC))


@dataclass
class FakeStore:
    recipients: dict[UUID, Recipient] = field(default_factory=dict)
    records: dict[tuple[UUID, UUID, Channel], Delivery] = field(default_factory=dict)
    forgotten: list[str] = field(default_factory=list)

    def recipient(self, user_id: UUID) -> Recipient | None:
        return self.recipients.get(user_id)

    def trip_of_booking(self, booking_id: UUID) -> TripSummary | None:
        return TRIP

    def deliveries(self, event_id: UUID) -> list[Delivery]:
        return [Delivery(**vars(d)) for k, d in self.records.items() if k[0] == event_id]

    def save_delivery(self, delivery: Delivery, *, now: datetime) -> None:
        key = (delivery.event_id, delivery.user_id, delivery.channel)
        self.records[key] = Delivery(**vars(delivery))

    def forget_device(self, token: str) -> None:
        self.forgotten.append(token)


@dataclass
class FakeSender:
    """Records what it sends; `fail` maps an address to the error to raise for it."""

    sent: list[tuple[Any, ...]] = field(default_factory=list)
    fail: dict[str, Exception] = field(default_factory=dict)
    message_keys: list[str] = field(default_factory=list)

    def send(self, to: str, *message: Any, message_key: str | None = None) -> None:
        if to in self.fail:
            raise self.fail[to]
        self.sent.append((to, *message))
        if message_key is not None:
            self.message_keys.append(message_key)
