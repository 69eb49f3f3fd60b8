"""The engines: the autocommit one for single statements, and multi-row INSERTs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import event, text

from travellr.domain import ledger
from travellr.domain.money import Money
from travellr.infrastructure.db.engine import (
    make_engine,
    make_session_factory,
    single_statement_engine,
)
from travellr.infrastructure.db.ledger import SqlLedger


def test_reads_run_outside_transactions_on_connections_that_stay_autocommit(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    reads = single_statement_engine(engine)
    try:
        if engine.dialect.name == "sqlite":
            assert reads is engine  # every SQLite transaction begins IMMEDIATE
            return
        for _ in range(2):  # the second checkout gets the same connection back, unchanged
            with reads.connect() as connection:
                assert connection.scalar(text("SELECT 1")) == 1
                driver = connection.connection.dbapi_connection
                assert driver.autocommit
                assert driver.info.transaction_status == TransactionStatus.IDLE
        assert reads.pool.checkedin() == 1
        with engine.connect() as connection:  # the main pool's connections keep transactions
            assert not connection.connection.dbapi_connection.autocommit
    finally:
        engine.dispose()
    assert reads.pool.checkedin() == 0


def test_rows_of_one_insert_go_to_the_database_as_one_statement(database_url: str) -> None:
    """A charge's ledger entries, say: one INSERT of all its rows, not one per row."""
    engine = make_engine(database_url)
    inserts: list[tuple[str, bool]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(*args: Any) -> None:
        statement, many = args[2], args[5]
        if statement.startswith("INSERT"):
            inserts.append((statement, many))

    charge = ledger.charge(uuid.uuid4(), Money(Decimal("10.00"), "EUR"), datetime.now(UTC))
    assert len(charge.postings) > 1
    try:
        with make_session_factory(engine)() as session:
            SqlLedger(session).record(charge)
            session.rollback()
    finally:
        engine.dispose()
    [(statement, many)] = inserts
    if engine.dialect.name == "sqlite":
        assert many  # an in-process executemany: no round trips to save
        return
    assert statement.count("%(transaction_id") == len(charge.postings)
