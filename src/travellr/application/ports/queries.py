"""The read side of the list screens: filters, keyset pages and the queries behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from travellr.domain.actors import Actor
from travellr.domain.errors import RuleViolated


class InvalidCursor(RuleViolated):
    code = "invalid_cursor"
    title = "The cursor is not valid"


@dataclass(frozen=True)
class PageRequest:
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True)
class Page:
    items: Sequence[Mapping[Any, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class TripFilters:
    destination: str | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    vendor_id: UUID | None = None
    available: bool = False


@dataclass(frozen=True)
class ManagedTripFilters:
    """Trips as their vendor or an admin manages them: `status` None means any status."""

    vendor_id: UUID | None = None
    status: str | None = None
    destination: str | None = None


@dataclass(frozen=True)
class BookingFilters:
    status: str | None = None
    trip_id: UUID | None = None
    user_id: UUID | None = None
    vendor_id: UUID | None = None
    trip_from: datetime | None = None
    trip_before: datetime | None = None
    user_email: str | None = None
    archived: bool = False


@dataclass(frozen=True)
class AuditFilters:
    actor_id: UUID | None = None
    action: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None
    since: datetime | None = None
    before: datetime | None = None


class ListQueries(Protocol):
    """Every list screen's page, straight from SQL: rows as mappings, newest first unless said."""

    def trips(self, filters: TripFilters, page: PageRequest, *, now: datetime) -> Page:
        """Active trips, soonest first."""
        ...

    def managed_trips(self, filters: ManagedTripFilters, page: PageRequest) -> Page:
        """Trips of any status, whether or not their vendor sells now, soonest first."""
        ...

    def bookings(self, actor: Actor, filters: BookingFilters, page: PageRequest) -> Page:
        """The bookings `actor` may see."""
        ...

    def payments(
        self, actor: Actor, *, booking_id: UUID | None, status: str | None, page: PageRequest
    ) -> Page:
        """The payments `actor` may see."""
        ...

    def refunds(self, payment_id: UUID, page: PageRequest) -> Page:
        """A payment's refunds, newest first."""
        ...

    def payouts(self, vendor_id: UUID, page: PageRequest) -> Page: ...
    def payout(self, vendor_id: UUID, payout_id: UUID) -> dict[str, Any] | None: ...
    def users(
        self, *, role: str | None, is_active: bool | None, q: str | None, page: PageRequest
    ) -> Page: ...
    def audit_log(self, filters: AuditFilters, page: PageRequest) -> Page:
        """Audit entries, newest first."""
        ...
