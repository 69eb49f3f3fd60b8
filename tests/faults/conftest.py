"""Fault injection: a PostgreSQL database of the test's own that can be made to refuse
everyone, and a local socket that accepts connections and never answers (a hung Redis)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tests.conftest import POSTGRES_URL, PostgresDatabase, _psycopg, requires_postgres
from travellr.infrastructure.db.migrate import upgrade


class BlockableDatabase(PostgresDatabase):
    """A migrated database that `block()` takes away from every client, sessions and all,
    and `allow()` gives back, as a database restart or failover would."""

    def block(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
        self.terminate_sessions()

    def terminate_sessions(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self.name},
            )

    def allow(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    def sessions(self) -> int:
        with self._admin.connect() as connection:
            return int(
                connection.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": self.name},
                )
            )


@pytest.fixture
def blockable_database() -> Iterator[BlockableDatabase]:
    requires_postgres()
    assert POSTGRES_URL is not None
    database = BlockableDatabase(_psycopg(POSTGRES_URL))
    try:
        upgrade(database.url)
        yield database
    finally:
        database.allow()
        database.drop()


@pytest.fixture
def hung_port() -> Iterator[int]:
    """A port that accepts connections (the kernel completes them) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        yield int(server.getsockname()[1])


@pytest.fixture
def hung_redis_url(hung_port: int) -> str:
    return f"redis://127.0.0.1:{hung_port}/3"


@pytest.fixture
def down_redis_url() -> str:
    """A port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/3"
