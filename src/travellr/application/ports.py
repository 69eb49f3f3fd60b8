"""The ports the use cases need; infrastructure provides the adapters."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from travellr.domain.users import User


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: UUID) -> User | None: ...
    def by_email(self, email: str) -> User | None: ...
    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One database transaction. Leaving the `with` block without `commit()` rolls back."""

    @property
    def users(self) -> UserRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password: str, password_hash: str | None) -> bool:
        """False for None too, after the same work, so timing does not tell unknown emails."""
        ...


class TokenRevocations(Protocol):
    """Revoked access tokens, shared by every process and kept across restarts."""

    def revoke(self, jti: str, *, expires_at: datetime) -> None: ...
