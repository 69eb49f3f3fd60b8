"""The ports the use cases need; infrastructure provides the adapters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar
from uuid import UUID

from travellr.application.ports.webhooks import WebhookEndpointRepository
from travellr.domain.actors import Actor
from travellr.domain.bookings import Booking
from travellr.domain.ledger import LedgerTransaction
from travellr.domain.payments import Payment, Refund
from travellr.domain.payouts import Payout, PayoutStatus
from travellr.domain.trips import Trip
from travellr.domain.users import User

T = TypeVar("T")


class Repository(Protocol[T]):
    def add(self, item: T) -> None: ...
    def attach(self, item: T) -> None:
        """Take back an item an earlier unit of work committed; a booking's or a payment's
        changes are then written only if its status is still the one it was read with."""
        ...

    def get(self, item_id: UUID) -> T | None: ...
    def get_for_update(self, item_id: UUID) -> T | None:
        """Load and lock the row until the transaction ends."""
        ...


class UserRepository(Repository[User], Protocol):
    def by_email(self, email: str) -> User | None: ...
    def count(self) -> int: ...


class TripRepository(Repository[Trip], Protocol):
    def has_confirmed_or_paying_bookings(self, trip_id: UUID) -> bool: ...
    def recent(self, trip_id: UUID) -> Trip | None:
        """A read-only copy of the trip, possibly out of date (`UnitOfWork.commit_booking`)."""
        ...


class BookingRepository(Repository[Booking], Protocol):
    def pending_of_user_for_update(self, user_id: UUID) -> list[Booking]: ...
    def open_of_trip_for_update(self, trip_id: UUID) -> list[Booking]:
        """The trip's pending and confirmed bookings, locked in id order."""
        ...


class PaymentRepository(Repository[Payment], Protocol):
    def with_booking_for_update(self, payment_id: UUID) -> tuple[Booking, Payment] | None:
        """The payment and its booking, both locked."""
        ...

    def open_for_booking(self, booking_id: UUID) -> Payment | None:
        """The booking's pending or paid payment, locked (there is at most one)."""
        ...


class WebhookLog(Protocol):
    """Provider events already handled: each event id is processed once."""

    def first_time(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        """Record the event; False if it was recorded before (then do nothing)."""
        ...


@dataclass(frozen=True)
class PeriodTakings:
    booking_count: int
    gross: Decimal
    refunded: Decimal


@dataclass(frozen=True)
class BookingPayout:
    """The payout a booking is linked to, and that payout's net takings (gross less refunds)
    that no refund made after it has taken back yet."""

    status: PayoutStatus
    standing_net: Decimal


class PayoutRepository(Protocol):
    def add(self, payout: Payout) -> None: ...
    def get_for_update(self, payout_id: UUID) -> Payout | None: ...
    def pending_for(self, vendor_id: UUID) -> Payout | None:
        """The vendor's payout whose transfer has not been settled, if any."""
        ...

    def unlink(self, payout: Payout) -> None:
        """Release a failed payout's bookings and adjustments for a later payout."""
        ...

    def takings(self, vendor_id: UUID, start: date, end: date) -> PeriodTakings:
        """Choose the completed, paid, not yet paid-out bookings with trip_date in the period
        for `link` (in the same unit of work), and total them."""
        ...

    def open_adjustments(self, vendor_id: UUID) -> Decimal: ...
    def link(self, payout: Payout) -> None:
        """Mark the bookings `takings` chose, and the open adjustments, as paid by `payout`."""
        ...

    def payout_of(self, booking_id: UUID) -> BookingPayout | None: ...
    def add_adjustment(
        self, *, refund_id: UUID, vendor_id: UUID, amount: Decimal, currency: str, now: datetime
    ) -> None: ...
    def has_payout_for(self, vendor_id: UUID, start: date, end: date) -> bool: ...


class Ledger(Protocol):
    def record(self, transaction: LedgerTransaction) -> None: ...


class AuditLog(Protocol):
    """Entries are written by the unit of work's commit, in the transaction of the change."""

    def record(
        self,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        now: datetime,
        changes: Mapping[str, list[Any]] | None = None,
        reason: str | None = None,
    ) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the `with` block without `commit()` rolls back."""

    @property
    def users(self) -> UserRepository: ...
    @property
    def trips(self) -> TripRepository: ...
    @property
    def bookings(self) -> BookingRepository: ...
    @property
    def payments(self) -> PaymentRepository: ...
    @property
    def refunds(self) -> Repository[Refund]: ...
    @property
    def webhook_events(self) -> WebhookLog: ...
    @property
    def webhook_endpoints(self) -> WebhookEndpointRepository: ...
    @property
    def payouts(self) -> PayoutRepository: ...
    @property
    def ledger(self) -> Ledger: ...
    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def commit_booking(self, booking: Booking, payment: Payment | None, *, trip: Trip) -> bool:
        """Hold the new booking's seats, and write it, its payment and their events, all in one
        transaction of its own, only if the trip still has the status, start, price and
        currency of `trip` (a `recent` copy) and the seats free; False: nothing written."""
        ...


NewUow = Callable[[], UnitOfWork]
