"""The cancellation policy: how much of a booking is refunded, given the notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

FULL = Decimal("1")
NOTHING = Decimal("0")


@dataclass(frozen=True)
class CancellationPolicy:
    """Tiers of (minimum notice before the trip, refunded fraction), tried in order."""

    tiers: tuple[tuple[timedelta, Decimal], ...] = (
        (timedelta(days=7), Decimal("1")),
        (timedelta(hours=48), Decimal("0.5")),
    )

    def __post_init__(self) -> None:
        for notice, fraction in self.tiers:
            if not NOTHING <= fraction <= FULL:
                raise ValueError(f"a refunded fraction must be between 0 and 1, not {fraction}")
            if notice < timedelta(0):
                raise ValueError(f"a notice must not be negative, not {notice}")

    def refund_fraction(self, *, by_traveller: bool, trip_date: datetime, now: datetime) -> Decimal:
        """The traveller gets what the notice earns; a vendor or admin cancelling refunds all."""
        if not by_traveller:
            return FULL
        notice = trip_date - now
        for minimum_notice, fraction in self.tiers:
            if notice >= minimum_notice:
                return fraction
        return NOTHING


DEFAULT_POLICY = CancellationPolicy()
