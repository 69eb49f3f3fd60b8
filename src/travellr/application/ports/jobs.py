"""What the scheduled jobs work on, found by set-based queries, and their set-based clean-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class JobQueries(Protocol):
    def overdue_pending(self, now: datetime, limit: int = 1000) -> list[UUID]:
        """Pending bookings whose hold has run out and no charge is in flight, oldest first."""
        ...

    def stale_charges(
        self, *, attempted_before: datetime, attempted_after: datetime, limit: int = 100
    ) -> list[UUID]:
        """Payments still pending whose last attempt falls between the two times, oldest first."""
        ...

    def finished_confirmed(self, now: datetime, limit: int = 1000) -> list[UUID]:
        """Confirmed bookings whose trip has ended (or started, when it has no end)."""
        ...

    def vendors_with_takings(self) -> list[UUID]:
        """Vendors with completed bookings not yet paid out, or a payout left unsettled."""
        ...

    def purge_expired(self, now: datetime) -> dict[str, int]:
        """Delete what has expired; how many rows went, by table."""
        ...

    def archive_bookings(self, *, older_than: datetime, now: datetime, batch: int = 1000) -> int:
        """Move a batch of old bookings that no money touched into the archive; how many."""
        ...
