"""An in-process cache with Redis's behaviour, for tests that exercise caching in one process.

The product has none: without Redis nothing is cached across requests (several processes
would each hear only their own invalidations). In one test process it is exact.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping

from travellr.application.ports.cache import JsonValue

PURGE_INTERVAL = 1.0


class MemoryCache:
    """A dict of JSON texts with expiry times, behind a lock.

    Values are stored as JSON text, so a caller gets a fresh copy that round-trips exactly as
    with Redis.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()
        self._purged_at = clock()

    def get(self, key: str) -> JsonValue | None:
        with self._lock:
            text = self._live(key, self._clock())
        return None if text is None else json.loads(text)

    def set(self, key: str, value: JsonValue, ttl_seconds: float) -> None:
        self.set_many({key: value}, ttl_seconds)

    def get_many(self, keys: Iterable[str]) -> dict[str, JsonValue]:
        now = self._clock()
        with self._lock:
            found = {key: self._live(key, now) for key in keys}
        return {key: json.loads(text) for key, text in found.items() if text is not None}

    def set_many(self, values: Mapping[str, JsonValue], ttl_seconds: float) -> None:
        texts = {key: json.dumps(value) for key, value in values.items()}
        expires_at = self._clock() + ttl_seconds
        with self._lock:
            self._purge_expired()
            for key, text in texts.items():
                self._entries[key] = (expires_at, text)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _live(self, key: str, now: float) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, text = entry
        if expires_at <= now:
            del self._entries[key]
            return None
        return text

    def _purge_expired(self) -> None:
        # Bounded memory without a reaper thread: writes drop what has expired, at most once
        # a second so that a write stays cheap however many keys there are.
        now = self._clock()
        if now - self._purged_at < PURGE_INTERVAL:
            return
        self._purged_at = now
        for key in [key for key, (expires_at, _) in self._entries.items() if expires_at <= now]:
            del self._entries[key]
