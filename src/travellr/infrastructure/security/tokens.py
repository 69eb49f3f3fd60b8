"""JWT access tokens: HS256 only, with `sub`, `role`, `jti`, `iat` and `exp`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from uuid import UUID

import jwt

from travellr.application.ports.security import AccessClaims, InvalidToken
from travellr.domain.actors import Role

ALGORITHM = "HS256"
_REQUIRED = ["sub", "role", "jti", "iat", "exp"]
# Tokens verified lately, by their text: a client sends the same token with every request.
VERIFIED_CACHE_SIZE = 4096


class TokenService:
    def __init__(self, secret_key: str, ttl: timedelta) -> None:
        self._key = secret_key
        self.ttl = ttl
        # Only tokens that verified are kept (a raise is never cached); their expiry is checked
        # again on every use. Revocation is not a property of the text: access.py checks it.
        self._verified = lru_cache(maxsize=VERIFIED_CACHE_SIZE)(self._verify)

    def issue(self, user_id: UUID, role: Role, *, now: datetime) -> str:
        # A fractional NumericDate (RFC 7519 allows it): whole seconds could not tell a token
        # issued just before a deactivation from one issued just after a reactivation.
        issued_at = now.timestamp()
        claims = {
            "sub": str(user_id),
            "role": role.value,
            "jti": str(uuid.uuid4()),
            "iat": issued_at,
            "exp": issued_at + self.ttl.total_seconds(),
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str) -> AccessClaims:
        claims = self._verified(token)
        if datetime.now(UTC) >= claims.expires_at:
            raise InvalidToken("Signature has expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], options={"require": _REQUIRED}
            )
            return AccessClaims(
                user_id=UUID(claims["sub"]),
                role=Role(claims["role"]),
                jti=str(claims["jti"]),
                issued_at=datetime.fromtimestamp(claims["iat"], UTC),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        # A well-signed `exp` past year 9999 overflows datetime (OSError on some platforms).
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError, OSError) as exc:
            raise InvalidToken(str(exc)) from exc
