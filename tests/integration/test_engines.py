"""The engines: the autocommit one for single statements."""

from __future__ import annotations

from psycopg.pq import TransactionStatus
from sqlalchemy import text

from travellr.infrastructure.db.engine import make_engine, single_statement_engine


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
