"""A private redis-server frozen (SIGSTOP, as a hung Redis) and thawed: the guard falls back
and comes back, logging each once, and the cache forgets what may have gone stale meanwhile."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from redis import Redis

from tests.conftest import REDIS_URL, requires_redis
from tests.support.server import free_port
from travellr.config import RateLimit
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.shared_state.rate_limits import RedisRateLimiter
from travellr.infrastructure.shared_state.redis_guard import RedisGuard, RedisUnavailable

REST = 0.05  # seconds the guard leaves Redis alone after a failure, short for the test
FELL_BACK = (
    "redis does not answer: rate limits count in this process and the cache is bypassed "
    "until it does"
)
CAME_BACK = "redis answers again: rate limits and the cache use it again"


class PrivateRedis:
    """A redis-server of the test's own, in memory, that can be frozen and thawed."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def freeze(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    requires_redis()  # where Redis runs (CI), redis-server is installed
    assert REDIS_URL is not None
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed, though TEST_REDIS_URL is set")
    server = PrivateRedis()
    yield server
    server.stop()


def _thawed_and_rested(server: PrivateRedis) -> None:
    server.thaw()
    time.sleep(REST * 2)


def test_a_hung_redis_is_logged_once_going_and_once_coming_back(
    redis_server: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    guard = RedisGuard(redis_server.url, timeout=0.1, rest_seconds=REST)
    limiter = RedisRateLimiter(guard)
    limit, now = RateLimit(100, 60), datetime.now(UTC)
    assert guard.call(lambda client: client.ping())

    with caplog.at_level("WARNING", logger="travellr.redis"):
        redis_server.freeze()
        waits = [limiter.hit("login:ip:1", limit, now=now) for _ in range(3)]
        time.sleep(REST * 2)
        with pytest.raises(RedisUnavailable):
            guard.call(lambda client: client.ping())
        _thawed_and_rested(redis_server)
        answered = guard.call(lambda client: client.ping())

    assert waits == [None, None, None]  # counted in the process meanwhile
    assert answered
    assert [record.getMessage() for record in caplog.records] == [FELL_BACK, CAME_BACK]
    guard.close()


def test_rate_limits_count_in_redis_again_once_it_answers(redis_server: PrivateRedis) -> None:
    guard = RedisGuard(redis_server.url, timeout=0.1, rest_seconds=REST)
    limiter, limit, now = RedisRateLimiter(guard), RateLimit(100, 60), datetime.now(UTC)
    redis_server.freeze()
    limiter.hit("register:ip:2", limit, now=now)
    _thawed_and_rested(redis_server)

    limiter.hit("register:ip:3", limit, now=now)

    counted = redis_server.client.keys("travellr:ratelimit:register:ip:3:*")
    assert [int(redis_server.client.get(key) or 0) for key in counted] == [1]
    guard.close()


def test_the_cache_forgets_everything_after_writes_it_could_not_make(
    redis_server: PrivateRedis,
) -> None:
    """An invalidation lost while Redis was hung would leave a stale entry once it answers."""
    rest = 1.0  # long enough that the delete below surely finds Redis resting
    cache = RedisCache(RedisGuard(redis_server.url, timeout=0.1, rest_seconds=rest))
    cache.set("travellr:cache:trip:1", {"seats_left": 10}, 60)
    redis_server.client.set("unrelated", "kept")

    redis_server.freeze()
    assert cache.get("travellr:cache:trips:generation") is None  # times out: Redis rests
    cache.delete("travellr:cache:trip:1")  # a booking's invalidation, never sent
    redis_server.thaw()
    time.sleep(rest * 1.5)

    assert redis_server.client.get("travellr:cache:trip:1") is not None  # still there...
    assert cache.get("travellr:cache:trip:1") is None  # ...but never served
    assert redis_server.client.get("travellr:cache:trip:1") is None
    assert redis_server.client.get("unrelated") == b"kept"
    cache.set("travellr:cache:trip:1", {"seats_left": 9}, 60)
    assert cache.get("travellr:cache:trip:1") == {"seats_left": 9}
    cache.close()
