"""Idempotency keys in the database, so every worker process sees the same ones.

A key is claimed by inserting its row before the request runs; the row then holds the
response. The primary key (caller, key) makes the claim atomic under any concurrency.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Engine, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from travellr.application.ports.shared_state import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StoredResponse,
)
from travellr.infrastructure.db import tables

KEY_LIFETIME = timedelta(hours=24)
# A claim this old whose request never finished (the process died) may be taken over.
ABANDONED_AFTER = timedelta(minutes=5)
_keys = tables.idempotency_keys


class SqlIdempotencyStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    def claim(
        self, user_id: UUID, key: str, fingerprint: str, *, now: datetime
    ) -> StoredResponse | None:
        """None when this request may run; the stored response when it already ran."""
        where = and_(_keys.c.user_id == user_id, _keys.c.key == key)
        with self._engine.begin() as connection:
            connection.execute(delete(_keys).where(where, _keys.c.expires_at <= now))
            claimed = connection.execute(
                self._insert(_keys)
                .values(
                    user_id=user_id,
                    key=key,
                    fingerprint=fingerprint,
                    created_at=now,
                    expires_at=now + KEY_LIFETIME,
                )
                .on_conflict_do_nothing()
                .returning(_keys.c.key)
            ).first()
            if claimed is not None:
                return None
            row = connection.execute(select(_keys).where(where)).one()
            if row.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "this Idempotency-Key was already used with a different request"
                )
            if row.response_status is not None:
                return StoredResponse(row.response_status, row.response_body or "")
            taken_over = connection.execute(
                update(_keys)
                .where(
                    where,
                    _keys.c.response_status.is_(None),
                    _keys.c.created_at == row.created_at,
                    _keys.c.created_at < now - ABANDONED_AFTER,
                )
                .values(created_at=now, expires_at=now + KEY_LIFETIME)
            ).rowcount
        if taken_over:
            return None
        raise IdempotencyKeyInFlight("the first request with this key is still running; retry")

    def store(self, user_id: UUID, key: str, response: StoredResponse) -> None:
        with self._engine.begin() as connection:
            connection.execute(
                update(_keys)
                .where(_keys.c.user_id == user_id, _keys.c.key == key)
                .values(response_status=response.status, response_body=response.body)
            )

    def release(self, user_id: UUID, key: str) -> None:
        """Forget a claim whose request failed unexpectedly, so that a retry may run."""
        with self._engine.begin() as connection:
            connection.execute(
                delete(_keys).where(
                    _keys.c.user_id == user_id,
                    _keys.c.key == key,
                    _keys.c.response_status.is_(None),
                )
            )
