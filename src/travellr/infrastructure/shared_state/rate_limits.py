"""Fixed-window rate limits shared by every worker process: in Redis when configured,
otherwise in the database. Process memory, which each worker counts alone, only stands in
while a configured Redis does not answer."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from travellr.config import RateLimit
from travellr.infrastructure.db import tables
from travellr.infrastructure.shared_state.redis_guard import RedisGuard

_counters = tables.rate_limit_counters


def _window(limit: RateLimit, now: datetime) -> tuple[int, int]:
    """The current window's number and the seconds left in it."""
    epoch = int(now.timestamp())
    window = epoch // limit.period_seconds
    return window, (window + 1) * limit.period_seconds - epoch


class SqlRateLimiter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def hit(self, key: str, limit: RateLimit, *, now: datetime) -> int | None:
        window, retry_after = _window(limit, now)
        insert = self._insert(_counters).values(
            key=key,
            window_start=window,
            count=1,
            expires_at=now + timedelta(seconds=retry_after),
        )
        statement = insert.on_conflict_do_update(
            index_elements=[_counters.c.key, _counters.c.window_start],
            set_={"count": _counters.c.count + 1},
        ).returning(_counters.c.count)
        with self._engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
        return retry_after if count > limit.limit else None


class RedisRateLimiter:
    """Counts in Redis; in this process's memory while Redis does not answer (the guard
    logs when that starts and ends)."""

    def __init__(self, guard: RedisGuard) -> None:
        self._guard = guard
        self._fallback = MemoryRateLimiter()

    def hit(self, key: str, limit: RateLimit, *, now: datetime) -> int | None:
        window, retry_after = _window(limit, now)
        redis_key = f"travellr:ratelimit:{key}:{window}"

        def count(client: Redis) -> int:
            pipe = client.pipeline()
            pipe.incr(redis_key)
            pipe.expire(redis_key, retry_after + 1)
            return int(pipe.execute()[0])

        try:
            counted = self._guard.call(count)
        except RedisError:
            return self._fallback.hit(key, limit, now=now)
        return retry_after if counted > limit.limit else None


class MemoryRateLimiter:
    """Counts in this process alone, so each worker process allows the limit on its own."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int, int]] = {}  # key: window, count, its end
        self._lock = threading.Lock()
        self._purged_at = 0

    def hit(self, key: str, limit: RateLimit, *, now: datetime) -> int | None:
        window, retry_after = _window(limit, now)
        epoch = int(now.timestamp())
        with self._lock:
            self._purge(epoch)
            seen_window, count, _ = self._counts.get(key, (window, 0, 0))
            count = count + 1 if seen_window == window else 1
            self._counts[key] = (window, count, epoch + retry_after)
        return retry_after if count > limit.limit else None

    def _purge(self, epoch: int) -> None:
        # Bounded memory: at most once a minute, forget the keys whose window has ended.
        if epoch - self._purged_at < 60:
            return
        self._purged_at = epoch
        for key in [key for key, (_, _, ends) in self._counts.items() if ends <= epoch]:
            del self._counts[key]
