"""Figures read straight from the books: a period's analytics and a vendor's ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """Exclusive: midnight UTC after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


@dataclass(frozen=True)
class PeriodFigures:
    users_total: int
    users_new: int
    users_by_role: dict[str, int]
    bookings_by_status: dict[str, int]
    gross: Decimal
    refunds: Decimal
    paid_out: Decimal
    daily: list[dict[str, Any]]
    top_vendors: list[dict[str, Any]]


@dataclass(frozen=True)
class VendorBooks:
    unpaid_takings: Decimal
    owed_back: Decimal
    paid_out: Decimal


class Reports(Protocol):
    def period_figures(self, period: Period) -> PeriodFigures: ...
    def vendor_books(self, vendor_id: UUID) -> VendorBooks:
        """The vendor's takings not yet paid out, what it owes back, and what it was paid."""
        ...

    def is_vendor(self, user_id: UUID) -> bool: ...
