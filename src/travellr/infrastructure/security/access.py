"""Who a token speaks for right now: revocations and deactivations live in the database,
so they hold in every worker process and across restarts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, bindparam, exists, insert, select
from sqlalchemy.exc import IntegrityError

from travellr.application.ports.security import AccessClaims
from travellr.domain.actors import Actor
from travellr.infrastructure.db import tables

_users = tables.users
_revoked = tables.revoked_tokens
# Built once: this runs on every authenticated request.
_ACCESS_QUERY = select(
    _users.c.role,
    _users.c.is_active,
    _users.c.tokens_valid_after,
    exists().where(_revoked.c.jti == bindparam("jti")).label("revoked"),
).where(_users.c.id == bindparam("user_id"))


class SqlAccessRegistry:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def revoke(self, jti: str, *, expires_at: datetime) -> None:
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(_revoked).values(jti=jti, expires_at=expires_at))
        except IntegrityError:
            pass  # already revoked: logging out twice is not an error

    def actor_for(self, claims: AccessClaims) -> Actor | None:
        """The acting user, or None when the token was revoked or the account deactivated."""
        with self._engine.connect() as connection:
            row = connection.execute(
                _ACCESS_QUERY, {"jti": claims.jti, "user_id": claims.user_id}
            ).one_or_none()
        if row is None or not row.is_active or row.revoked:
            return None
        if row.tokens_valid_after is not None and claims.issued_at <= row.tokens_valid_after:
            return None
        return Actor(user_id=claims.user_id, role=row.role)
