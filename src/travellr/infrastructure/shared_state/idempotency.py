"""Idempotency keys in the database, so every worker process sees the same ones.

A key is claimed by inserting its row before the request runs; the row then holds the
response. The primary key (caller, key) makes the claim atomic under any concurrency. A claim
is a lease: one whose request never answered (its process died, or the database went away
before the claim could be let go) may be taken over once the lease has run out.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import Engine, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from travellr.application.ports.shared_state import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    StoredResponse,
)
from travellr.infrastructure.db import tables
from travellr.infrastructure.outages import summary, unavailable_service

KEY_LIFETIME = timedelta(hours=24)
# A claim this old whose request never answered may be taken over: twice gunicorn's 30 s
# request timeout, after which no request of the claim's can still be running.
CLAIM_LEASE = timedelta(seconds=60)
IN_FLIGHT_RETRY_AFTER = 1  # seconds: most requests answer well within that
_keys = tables.idempotency_keys
log = logging.getLogger("travellr.idempotency")


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
                    _keys.c.created_at <= now - CLAIM_LEASE,
                )
                .values(created_at=now, expires_at=now + KEY_LIFETIME)
            ).rowcount
        if taken_over:
            return None
        lease_left = (row.created_at + CLAIM_LEASE - now).total_seconds()
        raise IdempotencyKeyInFlight(
            retry_after=IN_FLIGHT_RETRY_AFTER, free_within=max(1, math.ceil(lease_left))
        )

    def store(self, user_id: UUID, key: str, response: StoredResponse) -> None:
        """Keep the response for replays. When the database has gone away meanwhile, the
        caller still gets its answer, and the claim is left to run out."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    update(_keys)
                    .where(_keys.c.user_id == user_id, _keys.c.key == key)
                    .values(response_status=response.status, response_body=response.body)
                )
        except SQLAlchemyError as error:
            _unless_an_outage(error, "response not kept", logging.WARNING)

    def release(self, user_id: UUID, key: str) -> None:
        """Forget a claim whose request failed unexpectedly, so that a retry may run at once
        (with the database away, the claim is left to run out)."""
        try:
            with self._engine.begin() as connection:
                connection.execute(
                    delete(_keys).where(
                        _keys.c.user_id == user_id,
                        _keys.c.key == key,
                        _keys.c.response_status.is_(None),
                    )
                )
        except SQLAlchemyError as error:
            # The request's own 503 already logged the outage: one line per request.
            _unless_an_outage(error, "claim left to run out", logging.DEBUG)


def _unless_an_outage(error: SQLAlchemyError, outcome: str, level: int) -> None:
    """Re-raise `error` unless it says the database does not answer; then log one line."""
    if unavailable_service(error) is None:
        raise error
    log.log(level, f"idempotency key: {outcome}", extra={"reason": summary(error)})
