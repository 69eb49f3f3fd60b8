"""One contract for every rate limiter adapter: the database one, the Redis one, the
per-process one, and the Redis one while Redis is down (it falls back to the latter)."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, PostgresDatabase, requires_redis
from travellr.application.ports.shared_state import RateLimiter
from travellr.config import RateLimit
from travellr.infrastructure.db.engine import make_engine
from travellr.infrastructure.shared_state.rate_limits import (
    MemoryRateLimiter,
    RedisRateLimiter,
    SqlRateLimiter,
)
from travellr.infrastructure.shared_state.redis_guard import RedisGuard

# 2030-01-01T00:00:00Z: a whole number of minutes, hours and days since the epoch.
WINDOW_START = datetime(2030, 1, 1, tzinfo=UTC)
THREE_PER_MINUTE = RateLimit(3, 60)


SQL_OR_REDIS = [
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("redis", marks=pytest.mark.redis),
]


def _build(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RateLimiter]:
    if request.param in ("redis", "redis_down"):
        url = REDIS_URL if request.param == "redis" else _nothing_listens()
        if request.param == "redis":
            requires_redis()
        assert url is not None
        guard = RedisGuard(url, timeout=1.0)
        yield RedisRateLimiter(guard)
        guard.close()
        return
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    if request.param == "sqlite":
        path = tmp_path / "limits.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        database: PostgresDatabase = request.getfixturevalue("postgres_database")
        url = database.url
    engine = make_engine(url, pool_size=10)
    yield SqlRateLimiter(engine)
    engine.dispose()


def _nothing_listens() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=[*SQL_OR_REDIS, "memory", "redis_down"])
def limiter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RateLimiter]:
    yield from _build(request, tmp_path)


@pytest.fixture(params=SQL_OR_REDIS[1:])
def shared_limiter(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RateLimiter]:
    """The adapters that several processes can write at once (SQLite has one writer)."""
    yield from _build(request, tmp_path)


def _key() -> str:
    """Unique per test: Redis and the session's PostgreSQL database outlive a single test."""
    return f"test:{uuid.uuid4().hex}"


def test_hits_up_to_the_limit_pass_then_the_wait_is_returned(limiter: RateLimiter) -> None:
    key, now = _key(), WINDOW_START + timedelta(seconds=10)

    waits = [limiter.hit(key, THREE_PER_MINUTE, now=now) for _ in range(5)]

    assert waits == [None, None, None, 50, 50]


def test_the_wait_is_what_is_left_of_the_window(limiter: RateLimiter) -> None:
    key, limit = _key(), RateLimit(1, 3600)
    limiter.hit(key, limit, now=WINDOW_START)

    assert limiter.hit(key, limit, now=WINDOW_START + timedelta(seconds=3599)) == 1
    assert limiter.hit(key, limit, now=WINDOW_START + timedelta(seconds=1)) == 3599


def test_a_new_window_starts_from_zero(limiter: RateLimiter) -> None:
    key = _key()
    for _ in range(4):
        limiter.hit(key, THREE_PER_MINUTE, now=WINDOW_START + timedelta(seconds=59))

    next_window = WINDOW_START + timedelta(seconds=60)
    waits = [limiter.hit(key, THREE_PER_MINUTE, now=next_window) for _ in range(4)]

    assert waits == [None, None, None, 60]


def test_keys_are_counted_apart(limiter: RateLimiter) -> None:
    first, second = _key(), _key()
    for _ in range(4):
        limiter.hit(first, THREE_PER_MINUTE, now=WINDOW_START)

    assert limiter.hit(second, THREE_PER_MINUTE, now=WINDOW_START) is None
    assert limiter.hit(first, THREE_PER_MINUTE, now=WINDOW_START) == 60


def test_concurrent_hits_on_one_key_are_counted_exactly(shared_limiter: RateLimiter) -> None:
    """Eight threads hit one key 200 times under a limit of 100: exactly 100 pass.

    A read-then-write counter would lose increments when two threads read the same count, and
    let more than 100 through; an atomic upsert (SQL) or INCR (Redis) cannot.
    """
    key, limit = _key(), RateLimit(100, 3600)

    with ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(
            pool.map(lambda _: shared_limiter.hit(key, limit, now=WINDOW_START), range(200))
        )

    assert waits.count(None) == 100
    assert set(waits) == {None, 3600}
