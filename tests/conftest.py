"""Shared fixtures: databases (SQLite always; PostgreSQL and Redis when configured), apps, clients.

Service-backed tests read TEST_DATABASE_URL and TEST_REDIS_URL. Without them those tests are
skipped with the reason shown; with them (as .ci/run sets them) a service that does not answer
fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from tests.support.localstripe_server import running_localstripe
from travellr.app import create_app
from travellr.config import Environment, RateLimit, Settings
from travellr.infrastructure.db.migrate import upgrade
from travellr.infrastructure.db.tables import metadata

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
REDIS_URL = os.environ.get("TEST_REDIS_URL")
BROKER_URL = os.environ.get("TEST_BROKER_URL")
REQUIRE_SERVICES = os.environ.get("TRAVELLR_REQUIRE_SERVICES") == "1"
NO_POSTGRES = "TEST_DATABASE_URL is not set (.ci/run sets it; see the README's Tests section)"
NO_REDIS = "TEST_REDIS_URL is not set (.ci/run sets it; see the README's Tests section)"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}, but TRAVELLR_REQUIRE_SERVICES=1 says it must run")
    pytest.skip(reason)


def requires_postgres() -> None:
    if not POSTGRES_URL:
        _missing(NO_POSTGRES)


def requires_redis() -> None:
    if not REDIS_URL:
        _missing(NO_REDIS)


def requires_broker() -> str:
    """The RabbitMQ broker's URL (TEST_BROKER_URL)."""
    if not BROKER_URL:
        _missing("TEST_BROKER_URL is not set (.ci/run sets it to the local RabbitMQ)")
    assert BROKER_URL is not None
    return BROKER_URL


class PostgresDatabase:
    """A throwaway PostgreSQL database for this test session, migrated once."""

    def __init__(self, server_url: str) -> None:
        self.name = f"travellr_test_{uuid.uuid4().hex[:12]}"
        self._admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        self.url = (
            make_url(server_url).set(database=self.name).render_as_string(hide_password=False)
        )

    def truncate(self) -> None:
        engine = create_engine(self.url)
        names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
        engine.dispose()

    def drop(self) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    requires_postgres()
    assert POSTGRES_URL is not None
    database = PostgresDatabase(_psycopg(POSTGRES_URL))
    upgrade(database.url)
    yield database
    database.drop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies: migrating once keeps the suite fast."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind; the same test runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "travellr.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    database: PostgresDatabase = request.getfixturevalue("postgres_database")
    database.truncate()
    return database.url


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": Environment.TESTING,
        "secret_key": "test-secret-key-of-at-least-32-characters!",
        "database_url": database_url,
        "bcrypt_rounds": 4,
        "rate_limit_login": RateLimit(1000, 60),
        "rate_limit_register": RateLimit(1000, 60),
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    engine: Engine = app.extensions["travellr"].engine
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def localstripe() -> Iterator[str]:
    """The base URL of a localstripe server private to this test session, data in memory."""
    with running_localstripe() as base_url:
        yield base_url


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """What was skipped and why: one line per reason, not one per test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else "skipped"
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if not reasons:
        return
    terminalreporter.section("skipped, by reason")
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        terminalreporter.write_line(f"{count:>5}  {reason}")
