"""The process's Redis client, with short timeouts and a rest after each failure.

Redis is an accelerator, not a dependency: rate limits and the cache fall back when it does
not answer. A Redis that is down or hung costs at most one `timeout` (REDIS_TIMEOUT_MS), and
only to the first request that finds it so: after a failure the guard leaves Redis alone for
`rest_seconds`, answering at once that it is unavailable, then lets one call try again.
Falling back and coming back are logged once each.

Not pybreaker: its breaker holds one lock across every guarded call, which would serialise
all of a process's Redis calls; here the lock only guards the state changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from redis import ConnectionPool, Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

T = TypeVar("T")
REST_SECONDS = 5.0
log = logging.getLogger("travellr.redis")


class RedisUnavailable(RedisConnectionError):
    """Redis did not answer, or is being left alone after it did not."""


class RedisGuard:
    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        rest_seconds: float = REST_SECONDS,
        max_connections: int = 20,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        pool = ConnectionPool.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            max_connections=max_connections,
            retry=Retry(NoBackoff(), 0),  # a retry would double the wait on a hung Redis
            health_check_interval=30,
        )
        self.client = Redis(connection_pool=pool)
        self._rest = rest_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    @property
    def up(self) -> bool:
        """Whether Redis answered the last call that reached it."""
        return not self._down

    def call(self, operation: Callable[[Redis], T]) -> T:
        """`operation(client)`; RedisUnavailable when Redis does not answer (or is resting).
        Other Redis errors (a full memory, a wrong type) pass through as they are."""
        if self._down and not self._may_try_again():
            raise RedisUnavailable("Redis did not answer a moment ago; not trying it yet")
        try:
            result = operation(self.client)
        except (RedisConnectionError, RedisTimeoutError) as error:
            self._failed(error)
            raise RedisUnavailable(str(error)) from error
        if self._down:
            self._answered()
        return result

    def close(self) -> None:
        self.client.connection_pool.disconnect()

    def _may_try_again(self) -> bool:
        """True for one caller once the rest is over; the others keep waiting."""
        with self._lock:
            now = self._clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self._rest
            return True

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._retry_at = self._clock() + self._rest
            if self._down:
                return
            self._down = True
        log.warning(
            "redis does not answer: rate limits count in this process and the cache is "
            "bypassed until it does",
            extra={"reason": f"{type(error).__name__}: {error}"},
        )

    def _answered(self) -> None:
        with self._lock:
            if not self._down:
                return
            self._down = False
        log.warning("redis answers again: rate limits and the cache use it again")
