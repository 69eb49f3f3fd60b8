"""The Redis cache adapter: JSON values, one connection pool, and never an error to the caller."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from travellr.application.ports.cache import JsonValue

log = logging.getLogger("travellr.cache")


class RedisCache:
    """Shared by every worker process, so an invalidation in one is seen by all.

    Every Redis error (down, timeout, wrong password, a full memory) is logged and swallowed:
    reads answer None and writes do nothing, so callers fall back to the database. Timeouts
    are short and there are no retries, so a cache that is down costs a request milliseconds.
    """

    def __init__(self, url: str, *, timeout: float = 0.25, max_connections: int = 20) -> None:
        self._pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            max_connections=max_connections,
            retry=Retry(NoBackoff(), 0),
            health_check_interval=30,
        )
        self._redis = Redis(connection_pool=self._pool)

    def get(self, key: str) -> JsonValue | None:
        try:
            raw = self._redis.get(key)
        except RedisError:
            log.warning("cache get failed", exc_info=True, extra={"cache_key": key})
            return None
        return _loads(raw)

    def set(self, key: str, value: JsonValue, ttl_seconds: float) -> None:
        text = json.dumps(value)
        try:
            self._redis.set(key, text, px=_milliseconds(ttl_seconds))
        except RedisError:
            log.warning("cache set failed", exc_info=True, extra={"cache_key": key})

    def get_many(self, keys: Iterable[str]) -> dict[str, JsonValue]:
        names = list(keys)
        if not names:
            return {}
        try:
            raws = self._redis.mget(names)
        except RedisError:
            log.warning("cache get_many failed", exc_info=True)
            return {}
        found = {name: _loads(raw) for name, raw in zip(names, raws, strict=True)}
        return {name: value for name, value in found.items() if value is not None}

    def set_many(self, values: Mapping[str, JsonValue], ttl_seconds: float) -> None:
        texts = {key: json.dumps(value) for key, value in values.items()}
        if not texts:
            return
        try:
            with self._redis.pipeline(transaction=False) as pipe:
                for key, text in texts.items():
                    pipe.set(key, text, px=_milliseconds(ttl_seconds))
                pipe.execute()
        except RedisError:
            log.warning("cache set_many failed", exc_info=True)

    def delete(self, key: str) -> None:
        try:
            self._redis.delete(key)
        except RedisError:
            log.warning("cache delete failed", exc_info=True, extra={"cache_key": key})

    def close(self) -> None:
        self._pool.disconnect()


def _loads(raw: Any) -> JsonValue | None:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:  # not written by this adapter: treat as a miss
        log.warning("cache value is not JSON; ignored")
        return None


def _milliseconds(ttl_seconds: float) -> int:
    return max(1, round(ttl_seconds * 1000))
