"""The cache adapters under test: the in-process one always, real Redis when configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import REDIS_URL, requires_redis
from tests.support.memory_cache import MemoryCache
from travellr.application.ports.cache import CacheService
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.shared_state.redis_guard import RedisGuard


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def cache(request: pytest.FixtureRequest) -> Iterator[CacheService]:
    if request.param == "memory":
        yield MemoryCache()
        return
    requires_redis()
    assert REDIS_URL is not None
    adapter = RedisCache(RedisGuard(REDIS_URL, timeout=1.0))
    yield adapter
    adapter.close()
