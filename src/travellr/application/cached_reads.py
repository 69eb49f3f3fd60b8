"""What is cached, under which keys and for how long; and forgetting it when it changes.

Cached: the admin analytics of a period, one trip, and the first page of the trip list. A
handler of the committed domain events forgets what each event changes, right after the
commit (infrastructure/cache/cached_reads.py): no route or use case forgets anything itself.

The list pages and the analytics are forgotten by namespace, many keys at once, on every
booking: their keys carry the namespace's current generation, and forgetting the namespace
is one write of a new generation. (Deleting by pattern meant a SCAN of the whole Redis
keyspace on every booking.) Pages of older generations are never read again and expire by
their TTL. The price: a cached read of these first reads the generation, one more cache GET.

The event bus is per process. With the in-process cache each gunicorn worker has its own
cache and hears only its own events, so another worker may serve a stale answer until the
TTL runs out: the TTLs are short for that reason. With Redis the cache, and so every
invalidation, is shared by all the workers. Two known windows of staleness, both bounded by
the TTL: a read that fills the cache just after a concurrent change was invalidated (or
after the generation key itself was evicted), and figures with no event behind them (new or
changed users in the analytics, a trip whose start time passes while its list page is
cached).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Any
from uuid import UUID

from travellr.application.ports.cache import CacheService

PREFIX = "travellr:cache:"
ANALYTICS_TTL = 60
TRIP_TTL = 30
TRIP_LIST_TTL = 30
GENERATION_TTL = 24 * 3600  # far beyond any entry's TTL


def analytics_key(cache: CacheService, first: date, last: date) -> str:
    generation = _generation(cache, "analytics")
    return f"{PREFIX}analytics:{generation}:{first.isoformat()}:{last.isoformat()}"


def trip_key(trip_id: UUID) -> str:
    return f"{PREFIX}trip:{trip_id}"


def trip_list_key(cache: CacheService, query: dict[str, Any]) -> str:
    """One key per normalised query: the same filters in any order share an entry."""
    normal = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(normal.encode()).hexdigest()
    return f"{PREFIX}trips:list:{_generation(cache, 'trips')}:{digest}"


def forget_trip(cache: CacheService, trip_id: UUID | None) -> None:
    """A trip changed (or was created): its entry and every cached list page go."""
    if trip_id is not None:
        cache.delete(trip_key(trip_id))
    _new_generation(cache, "trips")


def forget_analytics(cache: CacheService) -> None:
    _new_generation(cache, "analytics")


def _generation(cache: CacheService, namespace: str) -> str:
    return str(cache.get(f"{PREFIX}{namespace}:generation") or "0")


def _new_generation(cache: CacheService, namespace: str) -> None:
    cache.set(f"{PREFIX}{namespace}:generation", uuid.uuid4().hex, GENERATION_TTL)
