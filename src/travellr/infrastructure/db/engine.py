"""Engines for SQLite (the embedded default) and PostgreSQL (production and CI)."""

from __future__ import annotations

import select
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5  # a server that accepts and never answers: 503 then, not a hung worker
_POOL: dict[str, Any] = {
    "max_overflow": 10,
    "pool_recycle": 1800,
    "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S},
}


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=pool_size, **_POOL)
    event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that every transaction can begin IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()
        # SQLite's own lower() folds ASCII only: "ZÜRICH" would not find "Zürich". Python's
        # folds like PostgreSQL's, and like the application's own normalising of input.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # SQLite has one writer at a time: taking the write lock up front serialises
        # read-modify-write use cases (seat holds, refunds) instead of failing them late.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _drop_if_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Replace a pooled connection that the server closed while it sat idle in the pool.

    A server that restarts, or terminates a session, says so and closes the socket: an idle
    connection then has input waiting, where a live one has none. One poll() costs a few
    microseconds, where pool_pre_ping's round trip cost more (bench/README.md). The pool
    opens a new connection instead, so no request fails on a connection that died while the
    database was away.
    """
    if dbapi_connection.closed or _has_input(dbapi_connection.fileno()):
        raise DisconnectionError("the server closed this pooled connection")


def _has_input(fd: int) -> bool:
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def single_statement_engine(engine: Engine) -> Engine:
    """An engine in autocommit mode, for code that runs one statement per connection.

    On PostgreSQL this saves the BEGIN and ROLLBACK round trips around every such read (the
    token check on every request, the list pages). It has its own pool, whose connections stay
    in autocommit: switching a shared pool's connection into autocommit and back on every
    checkout cost ~35 us of CPU per read. Disposing `engine` disposes it too. SQLite keeps
    its transactions: there every transaction must begin IMMEDIATE, and a read costs no round
    trip anyway.
    """
    if engine.dialect.name != "postgresql":
        return engine
    pool_size = getattr(engine.pool, "size", lambda: 5)()
    reads = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=pool_size, **_POOL)
    event.listen(reads, "checkout", _drop_if_closed_by_server)
    event.listen(engine, "engine_disposed", lambda _engine: reads.dispose())
    return reads
