"""The SQLAlchemy unit of work: one session, one transaction, one commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from travellr.domain.errors import Conflict
from travellr.infrastructure.db.repositories import SqlUserRepository


class SqlUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.users = SqlUserRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted but, unlike rollback(), leaves the loaded
        # objects readable for the response.
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as exc:
            # A constraint caught a race that the use case's own check could not see.
            self.session.rollback()
            raise Conflict("the change conflicts with a concurrent one; retry") from exc
