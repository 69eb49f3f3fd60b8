"""The cache port: JSON values under string keys, each with a time to live."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias

# Whatever json.dumps accepts and json.loads gives back: dicts, lists, strings, numbers,
# booleans and None. A value comes back as JSON would (tuples as lists, keys as strings).
JsonValue: TypeAlias = Any


class CacheService(Protocol):
    """A cache that is only ever an optimisation: a miss, or a cache that is down, means
    "ask the database". Adapters never raise for an unreachable backend: reads answer
    None and writes do nothing."""

    def get(self, key: str) -> JsonValue | None:
        """The value under `key`, or None when absent, expired or unreachable."""

    def set(self, key: str, value: JsonValue, ttl_seconds: float) -> None:
        """Store `value` (JSON-serialisable, else TypeError) for `ttl_seconds`."""

    def get_many(self, keys: Iterable[str]) -> dict[str, JsonValue]:
        """The values found, by key; missing keys are left out."""

    def set_many(self, values: Mapping[str, JsonValue], ttl_seconds: float) -> None:
        """Store every value, each for `ttl_seconds`."""

    def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is absent)."""
