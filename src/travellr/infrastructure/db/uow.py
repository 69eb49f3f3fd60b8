"""The SQLAlchemy unit of work: one session, one transaction, one commit."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol, Self

from sqlalchemy.orm import Session, sessionmaker

from travellr.domain.bookings import Booking
from travellr.domain.events import Aggregate, DomainEvent
from travellr.domain.payments import Payment
from travellr.domain.trips import Trip
from travellr.infrastructure.db import commit_writes, tables
from travellr.infrastructure.db.audit import SqlAuditLog
from travellr.infrastructure.db.conflicts import integrity_errors_as_conflicts
from travellr.infrastructure.db.ledger import SqlLedger
from travellr.infrastructure.db.payouts import SqlPayoutRepository
from travellr.infrastructure.db.quick_bookings import QuickBookings
from travellr.infrastructure.db.repositories import (
    SqlBookingRepository,
    SqlPaymentRepository,
    SqlRefundRepository,
    SqlRepository,
    SqlTripRepository,
    SqlUserRepository,
    SqlWebhookLog,
)
from travellr.infrastructure.db.webhooks import SqlWebhookEndpoints
from travellr.infrastructure.events.outbox import outbox_rows


class EventPublisher(Protocol):
    def publish(self, events: list[DomainEvent]) -> None: ...


class SqlUnitOfWork:
    """Events recorded by the aggregates it loaded go to the outbox in the same transaction,
    and to the publisher only once the transaction has committed."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publisher: EventPublisher | None = None,
        quick_bookings: QuickBookings | None = None,
        single_statements: sessionmaker[Session] | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._publisher = publisher
        # Shared by the process's units of work, so that its trip copies are reused.
        self._quick = quick_bookings or QuickBookings(session_factory)
        # Autocommit on PostgreSQL: for a commit that is a single statement.
        self._single_statements = single_statements or session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.users = SqlUserRepository(self.session)
        self.trips = SqlTripRepository(self.session, self._quick)
        self.bookings = SqlBookingRepository(self.session)
        self.payments = SqlPaymentRepository(self.session)
        self.refunds = SqlRefundRepository(self.session)
        self.webhook_events = SqlWebhookLog(self.session)
        self.webhook_endpoints = SqlWebhookEndpoints(self.session)
        self.payouts = SqlPayoutRepository(self.session)
        self.ledger = SqlLedger()
        self.audit = SqlAuditLog()
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
        events = self._collect_events()
        changes = [change for repository in self._repositories() for change in repository.changes()]
        new_rows = [
            (tables.ledger_entries, self.ledger.new_rows),
            (tables.outbox, outbox_rows(events)),
            (tables.audit_log, self.audit.new_rows),
        ]
        if self.session.in_transaction():  # it read, wrote or changed a loaded row
            with integrity_errors_as_conflicts(self.session):
                self.session.flush()
                commit_writes.write(self.session, changes, new_rows)
                self.session.commit()
        else:  # nothing was read or written yet: these writes are the whole transaction
            with self._single_statements() as session, integrity_errors_as_conflicts(session):
                commit_writes.write(session, changes, new_rows, alone=True)
                session.commit()
        self.ledger.new_rows = []
        self.audit.new_rows = []
        if self._publisher is not None:
            self._publisher.publish(events)

    def commit_booking(self, booking: Booking, payment: Payment | None, *, trip: Trip) -> bool:
        """The commit of a new booking placed on a `recent` trip copy, as one guarded write.

        Why a second commit: it is the busiest write, and one statement in autocommit instead
        of the seat lock, an INSERT per table and BEGIN/COMMIT keeps POST /bookings above its
        benchmark goal (quick_bookings.py, bench/README.md). Only `place_booking` calls it;
        every other change goes through `commit`.
        """
        events = [e for item in (booking, payment) if item is not None for e in item.pull_events()]
        if not self._quick.write(booking, payment, events, trip=trip):
            return False
        if self._publisher is not None:
            self._publisher.publish(events)
        return True

    def _repositories(self) -> tuple[SqlRepository[Any], ...]:
        return (self.users, self.trips, self.bookings, self.payments, self.refunds)

    def _collect_events(self) -> list[DomainEvent]:
        attached = [item for repository in self._repositories() for item in repository.attached]
        seen = list(self.session.identity_map.values()) + list(self.session.new) + attached
        events = [e for item in seen if isinstance(item, Aggregate) for e in item.pull_events()]
        return sorted(events, key=lambda event: event.occurred_at)
