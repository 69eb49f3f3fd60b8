"""Passwords, access tokens and who a token speaks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from travellr.domain.actors import Actor, Role


class InvalidToken(Exception):
    """Missing, malformed, expired, forged or revoked."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: UUID
    role: Role
    jti: str
    issued_at: datetime
    expires_at: datetime


class Tokens(Protocol):
    ttl: timedelta

    def issue(self, user_id: UUID, role: Role, *, now: datetime) -> str: ...
    def decode(self, token: str) -> AccessClaims:
        """The token's claims; InvalidToken when it is malformed, forged or expired."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password: str, password_hash: str | None) -> bool:
        """False for None too, after the same work, so timing does not tell unknown emails."""
        ...


class TokenRevocations(Protocol):
    """Revoked access tokens, shared by every process and kept across restarts."""

    def revoke(self, jti: str, *, expires_at: datetime) -> None: ...


class AccessRegistry(TokenRevocations, Protocol):
    def actor_for(self, claims: AccessClaims) -> Actor | None:
        """The acting user, or None when the token was revoked or the account deactivated."""
        ...
