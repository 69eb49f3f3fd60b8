"""Real parallel requests against a real gunicorn (several worker processes) on PostgreSQL.

Each module starts one server on the session's PostgreSQL database, truncated first. Requests
of a race are sent by one thread each, with its own `requests.Session`, released together by
a barrier; the server's workers are separate processes, so the race is a real one between
database transactions, not between threads sharing a lock.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine, create_engine, text

from tests.conftest import PostgresDatabase, make_settings, requires_postgres
from tests.support.server import ServerProcess, travellr_server
from travellr.application.auth import register
from travellr.bootstrap import build
from travellr.domain.actors import Role
from travellr.infrastructure.db.uow import SqlUnitOfWork

WORKERS = 4
PASSWORD = "SecurePass123"
TIMEOUT = 60


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def _reply(response: requests.Response) -> Reply:
    try:
        body = response.json()
    except ValueError:
        body = {"raw": response.text}
    return Reply(response.status_code, body, dict(response.headers))


class Travellr:
    """The running server, called over HTTP, plus direct SQL to check the books."""

    def __init__(self, server: ServerProcess, database_url: str) -> None:
        self.server = server
        self.database_url = database_url
        self.db: Engine = create_engine(database_url)
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()
        self.db.dispose()

    def call(
        self, method: str, path: str, account: dict[str, Any] | None = None, **kwargs: Any
    ) -> Reply:
        return _reply(
            self._session.request(method, self.server.url(path), **_http(account, kwargs))
        )

    def register(self, role: str = "traveler") -> dict[str, Any]:
        body = {
            "email": f"{role}-{uuid.uuid4().hex[:10]}@example.com",
            "password": PASSWORD,
            "name": f"Racing {role}",
            "role": role,
        }
        reply = self.call("POST", "/api/v1/auth/register", json=body)
        assert reply.status == 201, reply
        return reply.body

    def travellers(self, count: int) -> list[dict[str, Any]]:
        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(lambda _: self.register(), range(count)))

    def admin(self) -> dict[str, Any]:
        """An admin, made as the CLI makes one (the API never does), then logged in."""
        services = build(make_settings(self.database_url))
        email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
        try:
            register(
                email=email,
                password=PASSWORD,
                name="Racing admin",
                phone=None,
                role=Role.ADMIN,
                uow=SqlUnitOfWork(services.session_factory),
                hasher=services.hasher,
                now=datetime.now(UTC),
                as_operator=True,
            )
        finally:
            services.engine.dispose()
        reply = self.call("POST", "/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert reply.status == 200, reply
        return reply.body

    def trip(self, vendor: dict[str, Any], *, capacity: int, price: str = "100.00") -> str:
        body = {
            "title": "The last seats",
            "destination": "Lisbon",
            "start_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
            "price": price,
            "capacity": capacity,
        }
        reply = self.call("POST", "/api/v1/trips", vendor, json=body)
        assert reply.status == 201, reply
        return str(reply.body["id"])

    def book(self, traveller: dict[str, Any], trip_id: str, **fields: Any) -> dict[str, Any]:
        reply = self.call(
            "POST", "/api/v1/bookings", traveller, json={"trip_id": trip_id, **fields}
        )
        assert reply.status == 201, reply
        return reply.body

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.db.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.db.connect() as connection:
            return list(connection.execute(text(sql), params))


def _http(account: dict[str, Any] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    headers = dict(kwargs.pop("headers", {}) or {})
    if account is not None:
        headers["Authorization"] = f"Bearer {account['access_token']}"
    return {"headers": headers, "timeout": TIMEOUT, **kwargs}


Request = tuple[str, str, dict[str, Any] | None, dict[str, Any]]


def race(server: ServerProcess, requests_: list[Request]) -> list[Reply]:
    """Send every request at once, one thread and one HTTP session each; replies in order.

    Each thread opens its connection first (a HEAD of /healthz), then waits at the barrier,
    so that the racing requests leave together rather than trickle out behind TCP handshakes.
    """
    barrier = threading.Barrier(len(requests_))

    def send(request: Request) -> Reply:
        method, path, account, kwargs = request
        with requests.Session() as session:
            session.head(server.url("/healthz"), timeout=TIMEOUT)
            barrier.wait(timeout=TIMEOUT)
            response = session.request(method, server.url(path), **_http(account, dict(kwargs)))
            return _reply(response)

    with ThreadPoolExecutor(len(requests_)) as pool:
        return list(pool.map(send, requests_))


def statuses(replies: list[Reply]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for reply in replies:
        counts[reply.status] = counts.get(reply.status, 0) + 1
    return counts


@pytest.fixture(scope="module")
def travellr(
    postgres_database: PostgresDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Travellr]:
    """A gunicorn with several workers on a freshly truncated PostgreSQL database."""
    requires_postgres()
    postgres_database.truncate()
    log_dir = tmp_path_factory.mktemp("concurrency-server")
    with travellr_server(postgres_database.url, log_dir / "server.log", workers=WORKERS) as server:
        assert len(server.worker_pids()) >= WORKERS
        app = Travellr(server, postgres_database.url)
        try:
            yield app
        finally:
            app.close()
