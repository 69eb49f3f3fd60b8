"""One contract for every CacheService adapter: the in-process one and real Redis."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis

from tests.conftest import REDIS_URL
from travellr.application.ports.cache import CacheService
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.shared_state.redis_guard import RedisGuard

SHORT_TTL = 0.2
WAIT_PAST_TTL = 0.35


@pytest.fixture
def prefix(cache: CacheService) -> Iterator[str]:
    """Keys private to this test, removed afterwards (Redis db 15 is shared by the session)."""
    unique = f"test:{uuid.uuid4().hex}:"
    yield unique
    if isinstance(cache, RedisCache):
        assert REDIS_URL is not None
        redis = Redis.from_url(REDIS_URL)
        redis.delete(*redis.keys(f"{unique}*") or [f"{unique}none"])
        redis.close()


def test_a_value_set_is_read_back_as_the_same_json(cache: CacheService, prefix: str) -> None:
    value = {"name": "Chamonix", "price": "150.00", "seats": 3, "ok": True, "tags": ["a", None]}

    cache.set(f"{prefix}trip", value, 60)

    assert cache.get(f"{prefix}trip") == value


def test_values_come_back_as_json_would_give_them(cache: CacheService, prefix: str) -> None:
    cache.set(f"{prefix}shape", {"pair": (1, 2), 3: "three", "float": 1.5}, 60)

    assert cache.get(f"{prefix}shape") == {"pair": [1, 2], "3": "three", "float": 1.5}


def test_a_value_read_back_is_a_copy_that_callers_may_change(
    cache: CacheService, prefix: str
) -> None:
    cache.set(f"{prefix}list", [1, 2], 60)
    first = cache.get(f"{prefix}list")
    first.append(3)

    assert cache.get(f"{prefix}list") == [1, 2]


def test_a_value_that_is_not_json_is_refused_with_type_error(
    cache: CacheService, prefix: str
) -> None:
    with pytest.raises(TypeError):
        cache.set(f"{prefix}bad", {"when": object()}, 60)

    assert cache.get(f"{prefix}bad") is None


def test_a_missing_key_reads_as_none(cache: CacheService, prefix: str) -> None:
    assert cache.get(f"{prefix}nothing") is None


def test_a_value_expires_after_its_ttl(cache: CacheService, prefix: str) -> None:
    cache.set(f"{prefix}short", "soon gone", SHORT_TTL)
    cache.set(f"{prefix}long", "still here", 60)
    assert cache.get(f"{prefix}short") == "soon gone"

    time.sleep(WAIT_PAST_TTL)

    assert cache.get(f"{prefix}short") is None
    assert cache.get(f"{prefix}long") == "still here"


def test_setting_a_key_again_replaces_its_value_and_ttl(cache: CacheService, prefix: str) -> None:
    cache.set(f"{prefix}key", "old", SHORT_TTL)
    cache.set(f"{prefix}key", "new", 60)

    time.sleep(WAIT_PAST_TTL)

    assert cache.get(f"{prefix}key") == "new"


def test_get_many_returns_only_the_keys_found(cache: CacheService, prefix: str) -> None:
    cache.set_many({f"{prefix}a": 1, f"{prefix}b": {"x": [2]}}, 60)

    found = cache.get_many([f"{prefix}a", f"{prefix}b", f"{prefix}missing"])

    assert found == {f"{prefix}a": 1, f"{prefix}b": {"x": [2]}}


def test_get_many_and_set_many_of_nothing_do_nothing(cache: CacheService) -> None:
    cache.set_many({}, 60)

    assert cache.get_many([]) == {}


def test_set_many_gives_every_value_the_ttl(cache: CacheService, prefix: str) -> None:
    cache.set_many({f"{prefix}a": 1, f"{prefix}b": 2}, SHORT_TTL)

    time.sleep(WAIT_PAST_TTL)

    assert cache.get_many([f"{prefix}a", f"{prefix}b"]) == {}


def test_delete_forgets_a_key_and_ignores_a_missing_one(cache: CacheService, prefix: str) -> None:
    cache.set(f"{prefix}a", 1, 60)

    cache.delete(f"{prefix}a")
    cache.delete(f"{prefix}never-set")

    assert cache.get(f"{prefix}a") is None


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: bound, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _down(port: int) -> RedisCache:
    return RedisCache(RedisGuard(f"redis://127.0.0.1:{port}/0", timeout=0.1))


def test_redis_that_is_down_reads_as_a_miss_and_ignores_writes(closed_port: int) -> None:
    down = _down(closed_port)

    down.set("key", {"a": 1}, 60)
    down.set_many({"a": 1, "b": 2}, 60)
    down.delete("key")

    assert down.get("key") is None
    assert down.get_many(["a", "b"]) == {}


def test_redis_that_is_down_is_logged_once_not_per_call(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    down = _down(closed_port)

    with caplog.at_level("WARNING"):
        down.get("key")
        down.delete("trips:1")
        down.set("key", 1, 60)

    assert [record.getMessage() for record in caplog.records] == [
        "redis does not answer: rate limits count in this process and the cache is "
        "bypassed until it does"
    ]
    assert caplog.records[0].exc_info is None
