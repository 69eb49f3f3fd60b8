"""What notifications need from outside: a sender per channel and a store of who wants what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from travellr.application.ports.queries import Page, PageRequest
from travellr.domain.notifications import Channel, Delivery, Platform, Preferences


class RetryableDeliveryError(Exception):
    """The provider may take the message later: network error, timeout, HTTP 429 or 5xx."""


class PermanentDeliveryError(Exception):
    """The provider refused the message for good (bad address, 4xx, SMTP 5xx): never retry."""


class UnregisteredDevice(PermanentDeliveryError):
    """The push token no longer reaches any device: forget it."""


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str, html: str, *, message_key: str) -> None:
        """`message_key` names the message for good: a repeat (after a crash) has the same
        key, and so the same Message-ID, and mail clients show it once."""


class SmsSender(Protocol):
    def send(self, to_phone: str, text: str) -> None: ...


class PushSender(Protocol):
    def send(self, device_token: str, title: str, body: str, data: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class Senders:
    email: EmailSender
    sms: SmsSender
    push: PushSender


@dataclass(frozen=True)
class Recipient:
    """A user's contact details and the channels they chose."""

    user_id: UUID
    name: str
    email: str
    phone: str | None
    is_active: bool
    preferences: Preferences = field(default_factory=Preferences)
    device_tokens: tuple[str, ...] = ()

    def channels(self) -> list[Channel]:
        """The channels that can reach this user and that they want."""
        reachable = {
            Channel.EMAIL: bool(self.email),
            Channel.SMS: bool(self.phone),
            Channel.PUSH: bool(self.device_tokens),
        }
        return [c for c in Channel if reachable[c] and self.preferences.wants(c)]


@dataclass(frozen=True)
class TripSummary:
    title: str
    destination: str
    start_at: datetime


@dataclass(frozen=True)
class Device:
    id: UUID
    user_id: UUID
    token: str
    platform: Platform
    created_at: datetime


class RecipientDirectory(Protocol):
    def recipient(self, user_id: UUID) -> Recipient | None:
        """The user's contact details, preferences (defaults if never set) and push tokens."""
        ...


class NotificationStore(RecipientDirectory, Protocol):
    """What `notify` reads and records; every write is committed at once."""

    def trip_of_booking(self, booking_id: UUID) -> TripSummary | None: ...
    def deliveries(self, event_id: UUID) -> list[Delivery]: ...
    def save_delivery(self, delivery: Delivery, *, now: datetime) -> None:
        """Insert or update the record of (event_id, user_id, channel), committed."""
        ...

    def forget_device(self, token: str) -> None: ...


class NotificationSettingsStore(RecipientDirectory, Protocol):
    """The preferences and devices users manage through the API."""

    def save_preferences(
        self, user_id: UUID, preferences: Preferences, *, now: datetime
    ) -> None: ...

    def register_device(
        self, user_id: UUID, token: str, platform: Platform, *, now: datetime
    ) -> tuple[Device, bool]:
        """Register the token to the user (moving it from another user); True if new to them."""
        ...

    def remove_device(self, user_id: UUID, device_id: UUID) -> bool:
        """Delete the user's device; False if they have no such device."""
        ...

    def devices_page(self, user_id: UUID, page: PageRequest) -> Page:
        """The user's devices, newest first."""
        ...


class NotificationRecords(NotificationStore, NotificationSettingsStore, Protocol):
    """Both sides of the notification records: what `notify` sends, what users manage."""
