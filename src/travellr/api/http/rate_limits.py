"""Rate limits per client address and per account, counted in shared state."""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from travellr.api.http.authentication import services, utcnow
from travellr.config import RateLimit


class TooManyRequests(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def enforce_rate_limit(action: str, limit: RateLimit, *, accounts: Iterable[str] = ()) -> None:
    """Count this attempt against the caller's address and each account it names."""
    now = utcnow()
    keys = [f"{action}:ip:{request.remote_addr}"] + [f"{action}:account:{a}" for a in accounts]
    waits = [services().rate_limiter.hit(key, limit, now=now) for key in keys]
    over = [wait for wait in waits if wait is not None]
    if over:
        raise TooManyRequests(max(over))
