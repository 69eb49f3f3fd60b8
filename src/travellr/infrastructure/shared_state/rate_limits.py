"""Fixed-window rate limits shared by every worker process: in Redis when configured,
otherwise in the database (never in process memory, which each worker would count alone)."""

from __future__ import annotations

from datetime import datetime, timedelta

from redis import Redis
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite

from travellr.config import RateLimit
from travellr.infrastructure.db import tables

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
    def __init__(self, client: Redis) -> None:
        self._client = client

    def hit(self, key: str, limit: RateLimit, *, now: datetime) -> int | None:
        window, retry_after = _window(limit, now)
        redis_key = f"travellr:ratelimit:{key}:{window}"
        pipe = self._client.pipeline()
        pipe.incr(redis_key)
        pipe.expire(redis_key, retry_after + 1)
        count, _ = pipe.execute()
        return retry_after if int(count) > limit.limit else None
