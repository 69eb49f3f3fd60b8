"""Forgetting the cached list pages or analytics is one write, whatever the cache holds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from redis import Redis

from tests.conftest import REDIS_URL, requires_redis
from travellr.application.cached_reads import (
    PREFIX,
    analytics_key,
    forget_analytics,
    forget_trip,
    trip_key,
    trip_list_key,
)
from travellr.application.ports.cache import CacheService
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.shared_state.redis_guard import RedisGuard

QUERY = {"destination": "Chamonix", "limit": 20}
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)


def _list_key(cache: CacheService) -> str:
    return trip_list_key(cache, QUERY)


def _analytics_key(cache: CacheService) -> str:
    return analytics_key(cache, FIRST, LAST)


@pytest.mark.parametrize(
    ("key_of", "forget"),
    [
        (_list_key, lambda cache: forget_trip(cache, None)),
        (_analytics_key, forget_analytics),
    ],
    ids=["trip list", "analytics"],
)
def test_a_forgotten_namespace_is_never_read_again(
    cache: CacheService,
    key_of: Callable[[CacheService], str],
    forget: Callable[[CacheService], None],
) -> None:
    cache.set(key_of(cache), "cached before the change", 60)
    assert cache.get(key_of(cache)) == "cached before the change"

    forget(cache)

    assert cache.get(key_of(cache)) is None


def test_forgetting_a_trip_forgets_its_own_entry_and_the_list_pages(cache: CacheService) -> None:
    trip_id = uuid.uuid4()
    cache.set(trip_key(cache, trip_id), "the trip", 60)
    cache.set(_list_key(cache), "a page", 60)

    forget_trip(cache, trip_id)

    assert cache.get(trip_key(cache, trip_id)) is None
    assert cache.get(_list_key(cache)) is None


def test_an_entry_filled_from_rows_older_than_a_change_is_never_read(
    cache: CacheService,
) -> None:
    """A read takes its key, reads the database, then stores: a change committed and
    forgotten in between leaves the stored entry under a key no later read uses."""
    trip_id = uuid.uuid4()
    key_before_the_change = trip_key(cache, trip_id)
    forget_trip(cache, trip_id)  # another process commits a booking on the trip
    cache.set(key_before_the_change, "seats before the booking", 60)

    assert cache.get(trip_key(cache, trip_id)) is None


def test_a_lost_generation_never_brings_back_older_entries(cache: CacheService) -> None:
    trip_id = uuid.uuid4()
    cache.set(trip_key(cache, trip_id), "seats before the booking", 60)
    cache.delete(f"{PREFIX}trip:{trip_id}:generation")  # evicted, say

    assert cache.get(trip_key(cache, trip_id)) is None


@pytest.mark.redis
def test_forgetting_does_not_scan_the_redis_keyspace() -> None:
    requires_redis()
    assert REDIS_URL is not None
    cache, redis = RedisCache(RedisGuard(REDIS_URL, timeout=1.0)), Redis.from_url(REDIS_URL)
    scans = redis.info("commandstats").get("cmdstat_scan", {}).get("calls", 0)

    forget_trip(cache, uuid.uuid4())
    forget_analytics(cache)

    assert redis.info("commandstats").get("cmdstat_scan", {}).get("calls", 0) == scans
    cache.close()
    redis.close()
