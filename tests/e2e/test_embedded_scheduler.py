"""Without a broker, a real gunicorn server with several workers runs the scheduled jobs once.

Nothing touches the bookings but the scheduler: a hold that ran out gives its seats back, a
confirmed booking whose trip ended completes, and every job run comes from one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import requests
from sqlalchemy import Engine, create_engine, select, update

from tests.support.server import ServerProcess, travellr_server
from travellr.infrastructure.db import tables

pytestmark = pytest.mark.slow

WORKERS = 3
INTERVAL_SECONDS = 2
API = "/api/v1"
PASSWORD = "SecurePass123"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    every = str(INTERVAL_SECONDS)
    extra = {"EXPIRE_BOOKINGS_SECONDS": every, "COMPLETE_BOOKINGS_SECONDS": every}
    with travellr_server(
        database_url, tmp_path / "server.log", workers=WORKERS, extra_env=extra
    ) as running:
        yield running


def _account(server: ServerProcess, role: str) -> dict[str, str]:
    email = f"{role}-{time.monotonic_ns()}@example.com"
    body = {"email": email, "password": PASSWORD, "name": role.title(), "role": role}
    response = requests.post(server.url(f"{API}/auth/register"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _post(server: ServerProcess, path: str, auth: dict[str, str], body: Any) -> Any:
    response = requests.post(server.url(API + path), json=body, headers=auth, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def _wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the scheduler never did it"
        time.sleep(0.5)


def _status(engine: Engine, booking: dict[str, Any]) -> str:
    bookings = tables.bookings.c
    with engine.connect() as connection:
        found = select(bookings.status).where(bookings.id == UUID(booking["id"]))
        return str(connection.scalar(found))


def _set(engine: Engine, table: Any, row_id: str, **values: Any) -> None:
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == UUID(row_id)).values(**values))


def test_one_scheduler_runs_the_jobs_for_every_worker(
    server: ServerProcess, engine: Engine
) -> None:
    vendor, traveller = _account(server, "vendor"), _account(server, "traveler")
    start = (datetime.now(UTC) + timedelta(days=20)).isoformat()
    trip = {"title": "Fjords", "destination": "Bergen", "price": "100.00", "capacity": 5}
    held_trip = _post(server, "/trips", vendor, {**trip, "start_at": start})
    ended_trip = _post(server, "/trips", vendor, {**trip, "start_at": start})
    held = _post(server, "/bookings", traveller, {"trip_id": held_trip["id"], "seats": 2})
    paid = _post(
        server,
        "/bookings",
        traveller,
        {"trip_id": ended_trip["id"], "seats": 1, "payment_method": "pm_card_visa"},
    )
    assert held["status"] == "pending"
    assert paid["status"] == "confirmed"
    # The hold runs out and the trip ends: written straight to the database, as time would.
    now = datetime.now(UTC)
    _set(engine, tables.bookings, held["id"], expires_at=now - timedelta(seconds=1))
    ended = now - timedelta(hours=1)
    _set(engine, tables.trips, ended_trip["id"], start_at=ended - timedelta(days=1), end_at=ended)
    _set(engine, tables.bookings, paid["id"], trip_date=ended - timedelta(days=1))
    watched_from = datetime.now(UTC)

    _wait_for(lambda: _status(engine, held) == "expired")
    _wait_for(lambda: _status(engine, paid) == "completed")
    time.sleep(3 * INTERVAL_SECONDS)  # a few more ticks, for every worker's scheduler

    seats = requests.get(server.url(f"{API}/trips/{held_trip['id']}"), timeout=10).json()
    assert seats["seats_left"] == 5
    runs = tables.job_runs.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(runs.runner, runs.started_at).where(
                runs.job == "expire-holds", runs.started_at >= watched_from
            )
        ).all()
    watched = (datetime.now(UTC) - watched_from).total_seconds()
    assert len({runner for runner, _ in rows}) == 1, rows  # one process of the WORKERS
    # Once per interval (one scheduler), never once per interval per worker.
    assert 1 <= len(rows) <= watched / INTERVAL_SECONDS + 1, (len(rows), watched)
    assert len(server.worker_pids()) == WORKERS
