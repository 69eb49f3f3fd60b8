"""Repositories: load and add aggregates through one SQLAlchemy session."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from travellr.domain.users import User
from travellr.infrastructure.db import tables


class SqlUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)

    def get(self, user_id: UUID) -> User | None:
        return self._session.get(User, user_id)

    def by_email(self, email: str) -> User | None:
        return self._session.scalars(
            select(User).where(tables.users.c.email == email)
        ).one_or_none()

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(User)) or 0
