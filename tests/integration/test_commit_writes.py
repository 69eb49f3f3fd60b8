"""What a commit writes last (changed rows, new ledger and outbox rows), on both databases:
together, in one statement on PostgreSQL, and not at all when a changed row has moved on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, insert, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tests.conftest import PostgresDatabase
from travellr.infrastructure.db import commit_writes, tables
from travellr.infrastructure.db.commit_writes import Change
from travellr.infrastructure.db.engine import (
    make_engine,
    make_session_factory,
    single_statement_engine,
)

NOW = datetime.now(UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def _event(name: str) -> dict[str, Any]:
    return {
        "event_id": uuid.uuid4(),
        "name": name,
        "aggregate_id": uuid.uuid4(),
        "payload": "{}",
        "occurred_at": NOW,
    }


def _entries(amount: str) -> list[dict[str, Any]]:
    transaction = uuid.uuid4()
    return [
        {
            "transaction_id": transaction,
            "kind": "charge",
            "reference_id": uuid.uuid4(),
            "account": account,
            "amount": Decimal(amount) * sign,
            "currency": "USD",
            "created_at": NOW,
        }
        for account, sign in (("cash", 1), ("deposits", -1))
    ]


def _an_event_row(engine: Engine) -> dict[str, Any]:
    """A committed outbox row to change: its `name` stands in for a version column."""
    row = _event("booking.created")
    with engine.begin() as connection:
        row["id"] = connection.scalar(insert(tables.outbox).returning(tables.outbox.c.id), row)
    return row


def _change(row: dict[str, Any], *, version: str) -> Change:
    return Change(
        table=tables.outbox,
        row_id=row["id"],
        version=("name", version),
        values={"published_at": NOW, "name": "booking.confirmed"},
    )


def _count(session: Session, table: Any) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def test_changes_and_new_rows_are_written_together(engine: Engine) -> None:
    row = _an_event_row(engine)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with make_session_factory(engine)() as session:
        commit_writes.write(
            session,
            [_change(row, version="booking.created")],
            [
                (tables.ledger_entries, _entries("10.00") + _entries("2.50")),
                (tables.outbox, [_event("payment.processed"), _event("booking.confirmed")]),
            ],
        )
        written = list(statements)
        session.commit()
        changed = session.execute(
            select(tables.outbox.c.name, tables.outbox.c.published_at).where(
                tables.outbox.c.id == row["id"]
            )
        ).one()
        assert changed == ("booking.confirmed", NOW)
        assert _count(session, tables.ledger_entries) == 4
        assert session.scalar(select(func.sum(tables.ledger_entries.c.amount))) == 0
        assert _count(session, tables.outbox) == 3

    if engine.dialect.name == "postgresql":
        assert len(written) == 1  # the UPDATE and both INSERTs, as CTEs of one statement
    else:
        assert [s.split()[0] for s in written] == ["BEGIN", "UPDATE", "INSERT", "INSERT"]


@pytest.mark.parametrize("alone", [False, True])
def test_a_change_to_a_row_that_moved_on_writes_nothing(engine: Engine, alone: bool) -> None:
    row = _an_event_row(engine)

    with make_session_factory(engine)() as session:
        with pytest.raises(StaleDataError):
            commit_writes.write(
                session,
                [_change(row, version="booking.expired")],  # not the name it has now
                [(tables.ledger_entries, _entries("10.00")), (tables.outbox, [_event("x")])],
                alone=alone,
            )
        session.rollback()
        assert _count(session, tables.ledger_entries) == 0
        assert _count(session, tables.outbox) == 1
        unchanged = session.scalar(
            select(tables.outbox.c.name).where(tables.outbox.c.id == row["id"])
        )
        assert unchanged == "booking.created"


@pytest.mark.postgres
def test_alone_in_autocommit_one_moved_row_stops_every_write(
    postgres_database: PostgresDatabase,
) -> None:
    """The statement is the whole transaction: no rollback can undo a first change whose row
    had not moved when a second one's had."""
    postgres_database.truncate()
    engine = make_engine(postgres_database.url)
    try:
        first, second = _an_event_row(engine), _an_event_row(engine)
        changes = [_change(first, version="booking.created"), _change(second, version="x")]
        with make_session_factory(single_statement_engine(engine))() as session:
            with pytest.raises(StaleDataError):
                commit_writes.write(session, changes, [(tables.outbox, [_event("y")])], alone=True)
            names = session.scalars(select(tables.outbox.c.name).order_by(tables.outbox.c.id))
            assert list(names) == ["booking.created", "booking.created"]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_alone_a_row_moved_while_the_statement_waited_for_it_stops_every_write(
    postgres_database: PostgresDatabase,
) -> None:
    """The race the locks are for: another transaction changes the first row (an expiry
    moving a booking, say) and commits while the statement waits for that row. Checking
    each row only in its own UPDATE would still write the second one."""
    postgres_database.truncate()
    engine = make_engine(postgres_database.url)
    try:
        first, second = _an_event_row(engine), _an_event_row(engine)
        changes = [
            _change(first, version="booking.created"),
            _change(second, version="booking.created"),
        ]
        with engine.connect() as other:
            other.execute(
                update(tables.outbox)
                .where(tables.outbox.c.id == first["id"])
                .values(name="booking.expired")
            )  # uncommitted: the first row stays locked

            def write_alone() -> None:
                with make_session_factory(single_statement_engine(engine))() as session:
                    commit_writes.write(
                        session, changes, [(tables.outbox, [_event("y")])], alone=True
                    )

            with ThreadPoolExecutor(max_workers=1) as pool:
                written = pool.submit(write_alone)
                _wait_until_blocked(engine)
                other.commit()
                with pytest.raises(StaleDataError):
                    written.result(timeout=30)
        with engine.connect() as connection:
            names = connection.scalars(select(tables.outbox.c.name).order_by(tables.outbox.c.id))
            assert list(names) == ["booking.expired", "booking.created"]
    finally:
        engine.dispose()


def _wait_until_blocked(engine: Engine) -> None:
    """Until some session of this database waits for a row lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 30
    with engine.connect() as connection:
        while not connection.execute(waiting).scalar():
            assert time.monotonic() < deadline, "the statement never waited for the row"
            time.sleep(0.01)
            connection.rollback()
