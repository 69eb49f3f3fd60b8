"""Outages under a real gunicorn with clients running: the database taken away mid-traffic,
and a broker that is not there."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.faults.conftest import BlockableDatabase
from tests.support.server import ServerProcess, free_port, travellr_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PASSWORD = "SecurePass123"
TIMEOUT = 30  # seconds: a request that hangs fails the test instead of stalling it
BOUND_SECONDS = 2.0  # generous: a request must not wait on a broker that is not there
KICK_GAP = 0.3  # longer than the kicks' own interval, so that each booking would kick


@pytest.fixture
def server(blockable_database: BlockableDatabase, tmp_path: Path) -> Iterator[ServerProcess]:
    with travellr_server(blockable_database.url, tmp_path / "server.log", workers=2) as running:
        yield running


def _account(server: ServerProcess, role: str) -> dict[str, str]:
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    registered = requests.post(
        server.url("/api/v1/auth/register"),
        json={**body, "name": "Someone", "role": role},
        timeout=TIMEOUT,
    )
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {registered.json()['access_token']}"}


def _trip(server: ServerProcess, vendor: dict[str, str]) -> str:
    body = {
        "title": "Fjords",
        "description": "By boat",
        "destination": "Bergen",
        "start_at": "2040-06-01T08:00:00Z",
        "end_at": "2040-06-08T08:00:00Z",
        "price": "100.00",
        "capacity": 10000,
    }
    created = requests.post(server.url("/api/v1/trips"), json=body, headers=vendor, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


class Traffic:
    """Clients booking and reading in a loop, recording every response."""

    def __init__(self, server: ServerProcess, traveller: dict[str, str], trip: str) -> None:
        self.responses: list[requests.Response] = []
        self._stop = threading.Event()
        self._calls = [
            lambda s: s.post(
                server.url("/api/v1/bookings"), json={"trip_id": trip}, timeout=TIMEOUT
            ),
            lambda s: s.get(server.url("/api/v1/users/me"), timeout=TIMEOUT),
        ]
        self._threads = [threading.Thread(target=self._run, args=(traveller,)) for _ in range(4)]

    def _run(self, headers: dict[str, str]) -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            while not self._stop.is_set():
                for call in self._calls:
                    self.responses.append(call(session))

    def __enter__(self) -> Traffic:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


def test_the_database_going_away_mid_traffic_is_503s_never_500s(
    server: ServerProcess, blockable_database: BlockableDatabase
) -> None:
    traveller = _account(server, "traveler")
    trip = _trip(server, _account(server, "vendor"))

    with Traffic(server, traveller, trip) as traffic:
        time.sleep(1)
        blockable_database.block()
        time.sleep(2)
        blockable_database.allow()
    after = [
        requests.post(
            server.url("/api/v1/bookings"),
            json={"trip_id": trip},
            headers=traveller,
            timeout=TIMEOUT,
        )
        for _ in range(20)
    ]

    statuses = [response.status_code for response in traffic.responses]
    unavailable = [response for response in traffic.responses if response.status_code == 503]
    assert 500 not in statuses
    assert set(statuses) <= {200, 201, 503}
    assert unavailable, "the outage was not seen"
    assert all(int(r.headers["Retry-After"]) > 0 for r in unavailable)
    assert all(r.json()["code"] == "service_unavailable" for r in unavailable)
    assert [response.status_code for response in after] == [201] * 20
    log = server.log_tail(10_000_000)
    assert "Traceback" not in log
    assert log.count('"message": "service unavailable"') == len(unavailable)


def test_a_broker_that_is_not_there_costs_requests_nothing(
    blockable_database: BlockableDatabase, tmp_path: Path
) -> None:
    broker = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    log_path = tmp_path / "server.log"
    with travellr_server(
        blockable_database.url, log_path, workers=1, extra_env={"BROKER_URL": broker}
    ) as server:
        traveller = _account(server, "traveler")
        trip = _trip(server, _account(server, "vendor"))
        durations, statuses = [], []
        for _ in range(10):
            started = time.monotonic()
            booked = requests.post(
                server.url("/api/v1/bookings"),
                json={"trip_id": trip},
                headers=traveller,
                timeout=TIMEOUT,
            )
            durations.append(time.monotonic() - started)
            statuses.append(booked.status_code)
            time.sleep(KICK_GAP)
        log = server.log_tail(10_000_000)

    assert statuses == [201] * 10
    assert max(durations) < BOUND_SECONDS
    assert log.count("broker does not answer") == 1
    assert "Traceback" not in log
