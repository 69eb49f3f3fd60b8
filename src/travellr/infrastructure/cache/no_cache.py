"""The cache of the setups without Redis: nothing is kept, every read asks the database.

An in-process cache would be shared by no one: each gunicorn worker, the scheduler's worker
and every CLI process would cache and forget on their own, and a read could return a value
older than the last committed write (the contract's read-your-writes rule forbids it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from travellr.application.ports.cache import JsonValue


class NoCache:
    def get(self, key: str) -> JsonValue | None:
        return None

    def set(self, key: str, value: JsonValue, ttl_seconds: float) -> None:
        return None

    def get_many(self, keys: Iterable[str]) -> dict[str, JsonValue]:
        return {}

    def set_many(self, values: Mapping[str, JsonValue], ttl_seconds: float) -> None:
        return None

    def delete(self, key: str) -> None:
        return None
