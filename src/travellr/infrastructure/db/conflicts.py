"""A constraint or a version check that catches a concurrent change becomes a 409, not a 500."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from travellr.domain.errors import ConcurrentChange


@contextmanager
def integrity_errors_as_conflicts(session: Session) -> Iterator[None]:
    try:
        yield
    except (IntegrityError, StaleDataError) as exc:
        # A race that the use case's own checks could not see: a unique key taken meanwhile,
        # or a row whose status moved since it was read (the mapping's version check).
        session.rollback()
        raise ConcurrentChange("the change conflicts with a concurrent one; retry") from exc
