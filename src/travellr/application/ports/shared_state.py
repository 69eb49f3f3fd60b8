"""State every process of the service shares: idempotency keys and rate-limit counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from travellr.config import RateLimit
from travellr.domain.errors import Conflict, RuleViolated


class IdempotencyKeyReused(RuleViolated):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used with another request"


class IdempotencyKeyInFlight(Conflict):
    code = "idempotency_key_in_flight"
    title = "A request with this Idempotency-Key is still running"

    def __init__(self, *, retry_after: int, free_within: int) -> None:
        super().__init__(
            f"the first request with this key is still running: retry in {retry_after} s "
            f"(if it died, the key is free again within {free_within} s)"
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


class IdempotencyStore(Protocol):
    def claim(
        self, user_id: UUID, key: str, fingerprint: str, *, now: datetime
    ) -> StoredResponse | None:
        """None when this request may run; the stored response when it already ran."""
        ...

    def store(self, user_id: UUID, key: str, response: StoredResponse) -> None:
        """Keep the response for replays (best effort: the claim runs out otherwise)."""
        ...

    def release(self, user_id: UUID, key: str) -> None:
        """Let a retry run at once (best effort: the claim runs out otherwise)."""
        ...


class RateLimiter(Protocol):
    def hit(self, key: str, limit: RateLimit, *, now: datetime) -> int | None:
        """Count one request; the seconds to wait when over the limit, else None."""
        ...
