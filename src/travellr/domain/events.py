"""Domain events: facts the aggregates record, written to the outbox with the change itself."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from travellr.domain.money import CENT

PayloadValue = str | int | None


def _json_ready(value: object) -> PayloadValue:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, UUID):
        return str(value)
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"an event field cannot hold a {type(value).__name__}")


@dataclass(frozen=True, kw_only=True)
class DomainEvent(ABC):
    name: ClassVar[str]
    occurred_at: datetime

    @property
    @abstractmethod
    def aggregate_id(self) -> UUID:
        """The id of the aggregate that recorded the event."""

    def payload(self) -> dict[str, PayloadValue]:
        """Every field, JSON-ready: ids, amounts and times as strings (times in UTC, with Z)."""
        return {field.name: _json_ready(getattr(self, field.name)) for field in fields(self)}


@dataclass(frozen=True, kw_only=True)
class BookingEvent(DomainEvent):
    booking_id: UUID
    user_id: UUID

    @property
    def aggregate_id(self) -> UUID:
        return self.booking_id


@dataclass(frozen=True, kw_only=True)
class BookingCreated(BookingEvent):
    name: ClassVar[str] = "booking.created"
    trip_id: UUID
    vendor_id: UUID
    seats: int
    total_price: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class BookingConfirmed(BookingEvent):
    name: ClassVar[str] = "booking.confirmed"
    vendor_id: UUID
    total_price: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class BookingCancelled(BookingEvent):
    name: ClassVar[str] = "booking.cancelled"
    vendor_id: UUID
    refund_amount: Decimal
    currency: str
    cancelled_by: UUID
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class BookingCompleted(BookingEvent):
    name: ClassVar[str] = "booking.completed"
    vendor_id: UUID


@dataclass(frozen=True, kw_only=True)
class BookingExpired(BookingEvent):
    name: ClassVar[str] = "booking.expired"
    trip_id: UUID
    seats: int


@dataclass(frozen=True, kw_only=True)
class BookingChanged(BookingEvent):
    """A pending booking's seats changed (and with them its trip's seats left)."""

    name: ClassVar[str] = "booking.changed"
    trip_id: UUID
    seats: int
    total_price: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class UserActivityChanged(DomainEvent):
    """An account was deactivated or reactivated: a vendor's trips are listed only while
    it is active."""

    name: ClassVar[str] = "user.activity_changed"
    user_id: UUID
    is_active: bool

    @property
    def aggregate_id(self) -> UUID:
        return self.user_id


@dataclass(frozen=True, kw_only=True)
class TripEvent(DomainEvent):
    trip_id: UUID
    vendor_id: UUID

    @property
    def aggregate_id(self) -> UUID:
        return self.trip_id


@dataclass(frozen=True, kw_only=True)
class TripCreated(TripEvent):
    name: ClassVar[str] = "trip.created"


@dataclass(frozen=True, kw_only=True)
class TripUpdated(TripEvent):
    name: ClassVar[str] = "trip.updated"


@dataclass(frozen=True, kw_only=True)
class TripArchived(TripEvent):
    name: ClassVar[str] = "trip.archived"


@dataclass(frozen=True, kw_only=True)
class PaymentEvent(DomainEvent):
    payment_id: UUID
    booking_id: UUID
    user_id: UUID
    amount: Decimal
    currency: str

    @property
    def aggregate_id(self) -> UUID:
        return self.payment_id


@dataclass(frozen=True, kw_only=True)
class PaymentProcessed(PaymentEvent):
    name: ClassVar[str] = "payment.processed"


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(PaymentEvent):
    name: ClassVar[str] = "payment.failed"
    failure_message: str | None


@dataclass(frozen=True, kw_only=True)
class PaymentRefunded(PaymentEvent):
    name: ClassVar[str] = "payment.refunded"
    refund_id: UUID


@dataclass(frozen=True, kw_only=True)
class VendorPaidOut(DomainEvent):
    name: ClassVar[str] = "vendor.paid_out"
    payout_id: UUID
    vendor_id: UUID
    vendor_amount: Decimal
    platform_fee: Decimal
    currency: str
    booking_count: int

    @property
    def aggregate_id(self) -> UUID:
        return self.payout_id


class Aggregate:
    """Collects events until the unit of work pulls them; never persisted."""

    @property
    def _pending_events(self) -> list[DomainEvent]:
        # Mapped instances are loaded without __init__, so the list is created on first use.
        events: list[DomainEvent] = self.__dict__.setdefault("_events", [])
        return events

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """Return the recorded events and forget them."""
        events = list(self._pending_events)
        self._pending_events.clear()
        return events
