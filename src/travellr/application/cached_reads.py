"""What is cached, under which keys and for how long; and forgetting it when it changes.

Cached: the admin analytics of a period, one trip, and the first page of the trip list. A
handler of the committed domain events forgets what each event changes, right after the
commit (infrastructure/cache/cached_reads.py): no route or use case forgets anything itself.

The list pages and the analytics are forgotten by namespace, many keys at once, on every
booking: their keys carry the namespace's current generation, and forgetting the namespace
is one write of a new generation. (Deleting by pattern meant a SCAN of the whole Redis
keyspace on every booking.) Pages of older generations are never read again and expire by
their TTL. The price: a cached read of these first reads the generation, one more cache GET.

Caches are shared or absent: with Redis every process reads and forgets the same entries;
without it nothing is cached across requests (an in-process cache per gunicorn worker, or in
a CLI process, would hear only its own process's events and answer stale figures).

A read computes its key, and so reads the generation, before it reads the database: a change
committed after that moves the generation, so an entry filled from the older rows lands under
a key no one reads again. One trip's entry has a generation of its own for the same reason. A
missing generation (never set, or evicted) is replaced by a fresh one rather than read as a
default that older entries may still carry. Left: figures with no event behind them (new or
changed users in the analytics, a trip whose start time passes while its list page is cached),
stale for at most the TTL, and a Redis that drops the write of a new generation.
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


def trip_key(cache: CacheService, trip_id: UUID) -> str:
    return f"{PREFIX}trip:{trip_id}:{_generation(cache, f'trip:{trip_id}')}"


def trip_list_key(cache: CacheService, query: dict[str, Any]) -> str:
    """One key per normalised query: the same filters in any order share an entry."""
    normal = json.dumps(query, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(normal.encode()).hexdigest()
    return f"{PREFIX}trips:list:{_generation(cache, 'trips')}:{digest}"


def forget_trip(cache: CacheService, trip_id: UUID | None) -> None:
    """A trip changed (or was created): its entry and every cached list page go."""
    if trip_id is not None:
        _new_generation(cache, f"trip:{trip_id}")
    _new_generation(cache, "trips")


def forget_analytics(cache: CacheService) -> None:
    _new_generation(cache, "analytics")


def _generation(cache: CacheService, namespace: str) -> str:
    current = cache.get(f"{PREFIX}{namespace}:generation")
    return str(current) if current else _new_generation(cache, namespace)


def _new_generation(cache: CacheService, namespace: str) -> str:
    generation = uuid.uuid4().hex
    cache.set(f"{PREFIX}{namespace}:generation", generation, GENERATION_TTL)
    return generation
