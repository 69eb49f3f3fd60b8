"""Fakes that implement the application's ports in memory.

`FakeDatabase` holds committed state. Each `FakeUnitOfWork` works on copies of what it loads
and writes them back only on `commit()`, so a use case that leaves its `with` block without
committing leaves the database exactly as it was, as a real transaction would.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from travellr.application.bookings import BookingRequest, place_booking
from travellr.application.payments import pay_booking
from travellr.application.ports.payments import ChargeResult, ChargeStatus, InvalidPaymentMethod
from travellr.application.ports.persistence import BookingPayout, PeriodTakings, UnitOfWork
from travellr.domain.actors import Actor, Role
from travellr.domain.audit import AuditEntry
from travellr.domain.bookings import OPEN_STATUSES, Booking, BookingStatus
from travellr.domain.errors import Conflict, PaymentGatewayError
from travellr.domain.ledger import LedgerTransaction
from travellr.domain.money import Money
from travellr.domain.payments import Payment, PaymentStatus, Refund
from travellr.domain.payouts import Payout
from travellr.domain.trips import Trip
from travellr.domain.users import User

T = TypeVar("T")


@dataclass
class FakeDatabase:
    users: dict[UUID, User] = field(default_factory=dict)
    trips: dict[UUID, Trip] = field(default_factory=dict)
    bookings: dict[UUID, Booking] = field(default_factory=dict)
    payments: dict[UUID, Payment] = field(default_factory=dict)
    refunds: dict[UUID, Refund] = field(default_factory=dict)
    webhook_events: set[str] = field(default_factory=set)
    ledger: list[LedgerTransaction] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    commits: int = 0

    def uow(self) -> UnitOfWork:
        return FakeUnitOfWork(self)


class FakeRepository(Generic[T]):
    """Copies of committed rows, loaded once per unit of work, written back on commit."""

    def __init__(self, table: dict[UUID, T]) -> None:
        self._table = table
        self.seen: dict[UUID, T] = {}
        self._attached_status: dict[UUID, object] = {}

    def add(self, item: T) -> None:
        self.seen[item.id] = item  # type: ignore[attr-defined]

    def attach(self, item: T) -> None:
        self.seen[item.id] = item  # type: ignore[attr-defined]
        self._attached_status[item.id] = getattr(item, "status", None)  # type: ignore[attr-defined]

    def check_attached(self) -> None:
        """Like the mapping's version check: an attached item's row must not have moved."""
        for item_id, status in self._attached_status.items():
            if getattr(self._table.get(item_id), "status", None) != status:
                raise Conflict("the change conflicts with a concurrent one; retry")

    def get(self, item_id: UUID) -> T | None:
        if item_id not in self.seen and item_id in self._table:
            self.seen[item_id] = copy.deepcopy(self._table[item_id])
        return self.seen.get(item_id)

    def get_for_update(self, item_id: UUID) -> T | None:
        return self.get(item_id)

    def _all(self) -> list[T]:
        return [item for key in list(self._table) if (item := self.get(key)) is not None] + [
            item for key, item in self.seen.items() if key not in self._table
        ]

    def write_back(self) -> None:
        self._table.update(copy.deepcopy(self.seen))


class FakeUserRepository(FakeRepository[User]):
    def by_email(self, email: str) -> User | None:
        return next((user for user in self._all() if user.email == email), None)

    def count(self) -> int:
        return len(self._all())


class FakeTripRepository(FakeRepository[Trip]):
    def __init__(self, table: dict[UUID, Trip], bookings: FakeRepository[Booking]) -> None:
        super().__init__(table)
        self._bookings = bookings

    def recent(self, trip_id: UUID) -> Trip | None:
        return copy.deepcopy(self._table.get(trip_id))

    def has_confirmed_or_paying_bookings(self, trip_id: UUID) -> bool:
        return any(
            b.trip_id == trip_id and b.status == BookingStatus.CONFIRMED
            for b in self._bookings._all()
        )  # charges in flight are not modelled here


class FakeBookingRepository(FakeRepository[Booking]):
    def pending_of_user_for_update(self, user_id: UUID) -> list[Booking]:
        return [b for b in self._all() if b.user_id == user_id and b.status == "pending"]

    def open_of_trip_for_update(self, trip_id: UUID) -> list[Booking]:
        return [b for b in self._all() if b.trip_id == trip_id and b.status in OPEN_STATUSES]


class FakePaymentRepository(FakeRepository[Payment]):
    def __init__(self, table: dict[UUID, Payment], bookings: FakeRepository[Booking]) -> None:
        super().__init__(table)
        self._bookings = bookings

    def with_booking_for_update(self, payment_id: UUID) -> tuple[Booking, Payment] | None:
        payment = self.get(payment_id)
        booking = self._bookings.get(payment.booking_id) if payment else None
        return None if payment is None or booking is None else (booking, payment)

    def open_for_booking(self, booking_id: UUID) -> Payment | None:
        open_ = [
            p
            for p in self._all()
            if p.booking_id == booking_id and p.status != PaymentStatus.FAILED
        ]
        assert len(open_) <= 1, "at most one open payment per booking"
        return open_[0] if open_ else None

    def by_provider_ref_for_update(self, provider_ref: str) -> Payment | None:
        return next((p for p in self._all() if p.provider_ref == provider_ref), None)


class FakeWebhookLog:
    def __init__(self, handled: set[str]) -> None:
        self._handled = handled
        self.new: set[str] = set()

    def first_time(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        if event_id in self._handled or event_id in self.new:
            return False
        self.new.add(event_id)
        return True


class FakeLedger:
    def __init__(self) -> None:
        self.new: list[LedgerTransaction] = []

    def record(self, transaction: LedgerTransaction) -> None:
        self.new.append(transaction)


class FakeAuditLog:
    """Entries as the domain builds them; kept by the database only when committed."""

    def __init__(self) -> None:
        self.new: list[AuditEntry] = []

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
    ) -> None:
        self.new.append(
            AuditEntry.of(
                actor, action, subject_type, subject_id, now=now, changes=changes, reason=reason
            )
        )


class FakePayoutRepository:
    """Enough of the payout port for refunds of bookings that no payout has paid."""

    def payout_of(self, booking_id: UUID) -> BookingPayout | None:
        return None  # the use cases tested here never meet a payout

    def add_adjustment(
        self, *, refund_id: UUID, vendor_id: UUID, amount: Decimal, currency: str, now: datetime
    ) -> None:
        raise NotImplementedError("payouts are not faked here")

    def add(self, payout: Payout) -> None:
        raise NotImplementedError("payouts are not faked here")

    def takings(self, vendor_id: UUID, start: date, end: date) -> PeriodTakings:
        raise NotImplementedError("payouts are not faked here")

    def open_adjustments(self, vendor_id: UUID) -> Decimal:
        raise NotImplementedError("payouts are not faked here")

    def link(self, payout: Payout) -> None:
        raise NotImplementedError("payouts are not faked here")

    def has_payout_for(self, vendor_id: UUID, start: date, end: date) -> bool:
        raise NotImplementedError("payouts are not faked here")


class FakeUnitOfWork:
    def __init__(self, database: FakeDatabase) -> None:
        self.database = database

    def __enter__(self) -> Self:
        db = self.database
        self.users = FakeUserRepository(db.users)
        self.bookings = FakeBookingRepository(db.bookings)
        self.trips = FakeTripRepository(db.trips, self.bookings)
        self.payments = FakePaymentRepository(db.payments, self.bookings)
        self.refunds: FakeRepository[Refund] = FakeRepository(db.refunds)
        self.webhook_events = FakeWebhookLog(db.webhook_events)
        self.ledger = FakeLedger()
        self.payouts = FakePayoutRepository()
        self.audit = FakeAuditLog()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None  # nothing committed is simply forgotten

    def commit(self) -> None:
        repositories = (self.users, self.trips, self.bookings, self.payments, self.refunds)
        for repository in repositories:
            repository.check_attached()
        for repository in repositories:
            repository.write_back()
        self.database.webhook_events |= self.webhook_events.new
        self.database.ledger.extend(self.ledger.new)
        self.database.audit.extend(self.audit.new)
        self.audit.new = []
        self.database.commits += 1

    def commit_booking(self, booking: Booking, payment: Payment | None, *, trip: Trip) -> bool:
        """Like the database's one-go write: only while the trip still matches the copy."""
        current = self.database.trips[trip.id]
        seen = (trip.status, trip.start_at, trip.price, trip.currency)
        if (current.status, current.start_at, current.price, current.currency) != seen:
            return False
        if current.seats_left < booking.seats:
            return False
        current.seats_taken += booking.seats
        self.database.bookings[booking.id] = copy.deepcopy(booking)
        if payment is not None:
            self.database.payments[payment.id] = copy.deepcopy(payment)
        self.database.commits += 1
        return True


DECLINING = {"pm_card_chargeDeclined": "Your card was declined."}


class FakePaymentGateway:
    """Idempotent per key like a real processor; records every call.

    `timeouts` makes the next calls raise `PaymentGatewayError`; with `charged_before_timeout`
    the charge goes through first, the case where only the answer is lost.
    """

    name = "fake"

    def __init__(self) -> None:
        self.charges: dict[str, ChargeResult] = {}
        self.charge_calls: list[str] = []
        self.refunds: dict[str, Money] = {}
        self.timeouts = 0
        self.charged_before_timeout = False
        self.refund_failures = 0

    def charge(
        self, *, amount: Money, payment_method: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ChargeResult:
        self.charge_calls.append(idempotency_key)
        if self.timeouts and not self.charged_before_timeout:
            self.timeouts -= 1
            raise PaymentGatewayError("timed out")
        if idempotency_key not in self.charges:
            self.charges[idempotency_key] = _outcome(payment_method)
        if self.timeouts:
            self.timeouts -= 1
            raise PaymentGatewayError("timed out after charging")
        return self.charges[idempotency_key]

    def refund(self, *, provider_ref: str, amount: Money, idempotency_key: str) -> str:
        if self.refund_failures:
            self.refund_failures -= 1
            raise PaymentGatewayError("refund timed out")
        self.refunds.setdefault(idempotency_key, amount)
        return f"re_{idempotency_key}"

    def status(self, provider_ref: str) -> ChargeStatus:
        for result in self.charges.values():
            if result.provider_ref == provider_ref:
                return result.status
        return ChargeStatus.PENDING


def _outcome(payment_method: str) -> ChargeResult:
    reference = f"ch_{uuid.uuid4().hex[:12]}"
    if payment_method == "pm_card_visa":
        return ChargeResult(ChargeStatus.SUCCEEDED, reference)
    if payment_method in DECLINING:
        return ChargeResult(ChargeStatus.DECLINED, reference, DECLINING[payment_method])
    raise InvalidPaymentMethod(f"unknown payment method {payment_method!r}")


NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOLD = timedelta(minutes=30)


class World:
    """A fake database and gateway, the usual actors, and the use cases called the usual way."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        self.gateway = FakePaymentGateway()
        self.vendor = Actor(uuid.uuid4(), Role.VENDOR)
        self.traveller = Actor(uuid.uuid4(), Role.TRAVELER)
        self.admin = Actor(uuid.uuid4(), Role.ADMIN)
        self.db.users[self.vendor.user_id] = self.user(self.vendor)

    @staticmethod
    def user(actor: Actor) -> User:
        """The account behind `actor`, active."""
        return User(
            id=actor.user_id,
            email=f"{actor.user_id.hex[:10]}@example.com",
            password_hash="not-a-hash",
            name="Someone",
            phone=None,
            role=actor.role,
            now=NOW,
        )

    def trip(self, *, days: float = 30, capacity: int = 10, price: str = "150.00") -> Trip:
        trip = Trip.create(
            vendor_id=self.vendor.user_id,
            title="Mont Blanc",
            destination="Chamonix",
            start_at=NOW + timedelta(days=days),
            price=Money(Decimal(price)),
            capacity=capacity,
            now=NOW,
        )
        self.db.trips[trip.id] = trip
        return trip

    def book(
        self,
        trip: Trip,
        *,
        seats: int = 1,
        payment_method: str | None = None,
        actor: Actor | None = None,
    ) -> Booking:
        request = BookingRequest(trip_id=trip.id, seats=seats, payment_method=payment_method)
        return place_booking(
            request,
            actor=actor or self.traveller,
            new_uow=self.db.uow,
            gateway=self.gateway,
            hold=HOLD,
            now=NOW,
        )

    def pay(
        self, booking_id: UUID, method: str = "pm_card_visa", *, actor: Actor | None = None
    ) -> Payment:
        return pay_booking(
            booking_id,
            method,
            actor=actor or self.traveller,
            new_uow=self.db.uow,
            gateway=self.gateway,
            now=NOW,
        )

    def paid_booking(self, trip: Trip | None = None, *, seats: int = 2) -> Booking:
        return self.book(trip or self.trip(), seats=seats, payment_method="pm_card_visa")

    def payment_of(self, booking_id: UUID) -> Payment:
        (payment,) = [p for p in self.db.payments.values() if p.booking_id == booking_id]
        return payment
