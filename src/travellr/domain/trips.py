"""Trips: what vendors sell, and the seats they hold for bookings."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TypedDict, Unpack
from uuid import UUID

from travellr.domain.errors import (
    CapacityBelowTaken,
    InvalidTransition,
    RuleViolated,
    SoldOut,
    TripAlreadyStarted,
    TripHasConfirmedBookings,
    TripNotBookable,
)
from travellr.domain.events import Aggregate, TripArchived, TripCreated, TripEvent, TripUpdated
from travellr.domain.money import Money

MAX_CAPACITY = 10_000


class TripStatus(StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


class TripChanges(TypedDict, total=False):
    title: str
    description: str | None
    destination: str
    start_at: datetime
    end_at: datetime | None
    price: Decimal
    currency: str
    capacity: int


def _check_schedule(start_at: datetime, end_at: datetime | None) -> None:
    if end_at is not None and end_at < start_at:
        raise RuleViolated("end_at must not be before start_at", field="end_at")


def _check_start(start_at: datetime, now: datetime) -> None:
    if start_at <= now:
        raise RuleViolated("start_at must be in the future", field="start_at")


def _check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= MAX_CAPACITY:
        raise RuleViolated(f"capacity must be between 1 and {MAX_CAPACITY}", field="capacity")


def _check_price(price: Money) -> None:
    if not price.is_positive:
        raise RuleViolated("price must be positive", field="price")


class Trip(Aggregate):
    def __init__(
        self,
        *,
        id: UUID,
        vendor_id: UUID,
        title: str,
        description: str | None,
        destination: str,
        start_at: datetime,
        end_at: datetime | None,
        price: Money,
        capacity: int,
        now: datetime,
    ) -> None:
        self.id = id
        self.vendor_id = vendor_id
        self.title = title
        self.description = description
        self.destination = destination
        self.start_at = start_at
        self.end_at = end_at
        self.price = price.amount
        self.currency = price.currency
        self.capacity = capacity
        self.seats_taken = 0
        self.status = TripStatus.ACTIVE
        self.created_at = now
        self.updated_at = now

    @classmethod
    def create(
        cls,
        *,
        vendor_id: UUID,
        title: str,
        destination: str,
        start_at: datetime,
        price: Money,
        capacity: int,
        now: datetime,
        description: str | None = None,
        end_at: datetime | None = None,
    ) -> Trip:
        _check_start(start_at, now)
        _check_schedule(start_at, end_at)
        _check_capacity(capacity)
        _check_price(price)
        trip = cls(
            id=uuid.uuid4(),
            vendor_id=vendor_id,
            title=title,
            description=description,
            destination=destination,
            start_at=start_at,
            end_at=end_at,
            price=price,
            capacity=capacity,
            now=now,
        )
        trip._record(TripCreated, now)
        return trip

    def _record(self, event: type[TripEvent], now: datetime) -> None:
        self.record(event(occurred_at=now, trip_id=self.id, vendor_id=self.vendor_id))

    @property
    def price_money(self) -> Money:
        return Money(self.price, self.currency)

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def price_for(self, seats: int) -> Money:
        return self.price_money * seats

    def ensure_bookable(self, now: datetime) -> None:
        """Raise unless the trip is active and has not started."""
        if self.status != TripStatus.ACTIVE:
            raise TripNotBookable("the trip is archived", trip_id=str(self.id))
        if now >= self.start_at:
            raise TripAlreadyStarted("the trip has already started", trip_id=str(self.id))

    def hold_seats(self, seats: int, now: datetime) -> None:
        self.ensure_can_hold(seats, now)
        self.seats_taken += seats

    def ensure_can_hold(self, seats: int, now: datetime) -> None:
        """Raise unless `hold_seats` would hold them."""
        if seats < 1:
            raise RuleViolated("seats must be at least 1", field="seats")
        self.ensure_bookable(now)
        if seats > self.seats_left:
            raise SoldOut(
                f"only {self.seats_left} seats left",
                trip_id=str(self.id),
                seats_left=self.seats_left,
            )

    def release_seats(self, seats: int) -> None:
        if not 0 < seats <= self.seats_taken:
            raise ValueError(f"cannot release {seats} of {self.seats_taken} seats taken")
        self.seats_taken -= seats

    def update(self, *, now: datetime, **changes: Unpack[TripChanges]) -> None:
        """Apply the owner's edits; every rule of `create` holds for the result."""
        unknown = changes.keys() - TripChanges.__annotations__.keys()
        if unknown:
            raise TypeError(f"a trip has no editable field {', '.join(sorted(unknown))}")
        start_at = changes.get("start_at", self.start_at)
        end_at = changes.get("end_at", self.end_at)
        price = Money(changes.get("price", self.price), changes.get("currency", self.currency))
        capacity = changes.get("capacity", self.capacity)
        if "start_at" in changes:
            _check_start(start_at, now)
        _check_schedule(start_at, end_at)
        _check_capacity(capacity)
        if capacity < self.seats_taken:
            raise CapacityBelowTaken(
                f"{self.seats_taken} seats are already taken", seats_taken=self.seats_taken
            )
        _check_price(price)
        for name, value in changes.items():
            setattr(self, name, value)
        self.price, self.currency = price.amount, price.currency
        self.updated_at = now
        self._record(TripUpdated, now)

    def archive(self, *, has_confirmed_bookings: bool, now: datetime) -> None:
        """Withdraw the trip from sale; refused while travellers hold confirmed seats."""
        if self.status == TripStatus.ARCHIVED:
            raise InvalidTransition(
                "the trip is already archived",
                from_status=self.status,
                to_status=TripStatus.ARCHIVED,
            )
        if has_confirmed_bookings:
            raise TripHasConfirmedBookings("the trip has confirmed bookings", trip_id=str(self.id))
        self.status = TripStatus.ARCHIVED
        self.updated_at = now
        self._record(TripArchived, now)
