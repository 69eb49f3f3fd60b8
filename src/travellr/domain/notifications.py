"""Notifications: the channels people choose and the record of each message sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not sent yet, or failed in a way worth retrying
    DELIVERED = "delivered"
    FAILED = "failed"  # for good: never retried


@dataclass(frozen=True)
class Preferences:
    """The channels a user wants; push reaches only registered devices, SMS only a phone."""

    email: bool = True
    sms: bool = False
    push: bool = True

    def wants(self, channel: Channel) -> bool:
        return bool(getattr(self, channel.value))


@dataclass
class Delivery:
    """One message of one event to one user on one channel."""

    event_id: UUID
    user_id: UUID
    channel: Channel
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    error: str | None = None

    @property
    def settled(self) -> bool:
        """Delivered or failed for good: never sent again."""
        return self.status is not DeliveryStatus.PENDING
