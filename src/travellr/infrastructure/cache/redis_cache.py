"""The Redis cache adapter: JSON values, the process's guarded client, never an error."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from redis import Redis
from redis.exceptions import RedisError

from travellr.application.cached_reads import PREFIX
from travellr.application.ports.cache import JsonValue
from travellr.infrastructure.shared_state.redis_guard import RedisGuard, RedisUnavailable

T = TypeVar("T")
log = logging.getLogger("travellr.cache")


class RedisCache:
    """Shared by every worker process, so an invalidation in one is seen by all.

    Every Redis error (down, hung, wrong password, a full memory) is swallowed: reads answer
    None and writes do nothing, so callers fall back to the database. The guard keeps a Redis
    that does not answer to one short timeout, and logs when it goes and comes back; other
    errors are logged here. A write that could not be made may have been an invalidation, so
    once Redis answers again this process forgets every entry under `namespace` before it
    reads one: a Redis that was hung, not restarted, would still hold what went stale.
    """

    def __init__(self, guard: RedisGuard, *, namespace: str = PREFIX) -> None:
        self._guard = guard
        self._namespace = namespace
        self._writes_lost = False

    def get(self, key: str) -> JsonValue | None:
        return _loads(self._run("get", lambda redis: redis.get(key), None))

    def set(self, key: str, value: JsonValue, ttl_seconds: float) -> None:
        text = json.dumps(value)
        self._run("set", lambda redis: redis.set(key, text, px=_milliseconds(ttl_seconds)), None)

    def get_many(self, keys: Iterable[str]) -> dict[str, JsonValue]:
        names = list(keys)
        if not names:
            return {}
        raws = self._run("get_many", lambda redis: redis.mget(names), None)
        if raws is None:
            return {}
        found = {name: _loads(raw) for name, raw in zip(names, raws, strict=True)}
        return {name: value for name, value in found.items() if value is not None}

    def set_many(self, values: Mapping[str, JsonValue], ttl_seconds: float) -> None:
        texts = {key: json.dumps(value) for key, value in values.items()}
        if not texts:
            return

        def write(redis: Redis) -> None:
            with redis.pipeline(transaction=False) as pipe:
                for key, text in texts.items():
                    pipe.set(key, text, px=_milliseconds(ttl_seconds))
                pipe.execute()

        self._run("set_many", write, None)

    def delete(self, key: str) -> None:
        self._run("delete", lambda redis: redis.delete(key), None)

    def close(self) -> None:
        self._guard.close()

    def _run(self, name: str, operation: Callable[[Redis], T], failed: T) -> T:
        try:
            if self._writes_lost:
                self._guard.call(self._forget_everything)
                self._writes_lost = False
            return self._guard.call(operation)
        except RedisError as error:
            if name != "get" and name != "get_many":
                self._writes_lost = True
            if not isinstance(error, RedisUnavailable):  # the guard logs those, once
                log.warning(f"cache {name} failed", extra={"reason": str(error)})
            return failed

    def _forget_everything(self, redis: Redis) -> None:
        names = redis.scan_iter(match=f"{self._namespace}*", count=1000)
        for batch in iter(lambda: list(itertools.islice(names, 500)), []):
            redis.unlink(*batch)
        log.info("cache emptied: some writes were lost while Redis did not answer")


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
