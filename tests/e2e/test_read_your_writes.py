"""Read-your-writes across real gunicorn workers: after each committed write, 30 reads on new
connections (so spread over the workers) all see it. With Redis (one shared cache) and
without (nothing cached across requests), on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import REDIS_URL, requires_redis
from tests.support.server import ServerProcess, travellr_env, travellr_server
from travellr.application.cached_reads import forget_analytics
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.shared_state.redis_guard import RedisGuard

pytestmark = pytest.mark.slow

WORKERS = 4
READS = 30
API = "/api/v1"
PASSWORD = "SecurePass123"


@pytest.fixture(params=["no-redis", pytest.param("redis", marks=pytest.mark.redis)])
def server(request: pytest.FixtureRequest, database_url: str, tmp_path: Path) -> Iterator[Any]:
    extra = {}
    if request.param == "redis":
        requires_redis()
        assert REDIS_URL is not None
        extra["REDIS_URL"] = REDIS_URL
        # The test database was emptied behind the cache's back, with no event to say so.
        shared = RedisCache(RedisGuard(REDIS_URL, timeout=1.0))
        forget_analytics(shared)
        shared.close()
    with travellr_server(
        database_url, tmp_path / "server.log", workers=WORKERS, extra_env=extra
    ) as running:
        yield running


def _token(server: ServerProcess, email: str) -> dict[str, str]:
    body = {"email": email, "password": PASSWORD}
    response = requests.post(server.url(f"{API}/auth/login"), json=body, timeout=10)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _account(server: ServerProcess, role: str) -> dict[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": role.title(), "role": role}
    response = requests.post(server.url(f"{API}/auth/register"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return _token(server, email)


def _admin(server: ServerProcess, database_url: str) -> dict[str, str]:
    email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    command = [sys.executable, "-c", "from travellr.cli import main; main()", "create-admin"]
    subprocess.run(
        [*command, "--email", email, "--name", "Admin", "--password", PASSWORD],
        env=travellr_env(database_url),
        check=True,
        capture_output=True,
        timeout=60,
    )
    return _token(server, email)


def _post(server: ServerProcess, path: str, auth: dict[str, str], body: Any) -> Any:
    response = requests.post(server.url(API + path), json=body, headers=auth, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _reads(server: ServerProcess, path: str, field: str, auth: dict[str, str] | None = None) -> Any:
    """READS answers of GET path, each on a new connection; the values of `field` in them."""
    values = []
    for _ in range(READS):
        response = requests.get(server.url(API + path), headers=auth, timeout=10)
        assert response.status_code == 200, response.text
        value: Any = response.json()
        for part in field.split("."):
            value = value[part]
        values.append(value)
    return values


def test_trip_seats_after_booking_and_cancelling(server: ServerProcess) -> None:
    vendor, traveller = _account(server, "vendor"), _account(server, "traveler")
    start = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {"title": "Fjords", "destination": "Bergen", "price": "100.00", "capacity": 10}
    trip = _post(server, "/trips", vendor, {**body, "start_at": start})
    path = f"/trips/{trip['id']}"
    assert _reads(server, path, "seats_left") == [10] * READS  # cached wherever it can be
    assert len(server.worker_pids()) == WORKERS

    booking = _post(server, "/bookings", traveller, {"trip_id": trip["id"], "seats": 2})
    assert _reads(server, path, "seats_left") == [8] * READS

    _post(server, f"/bookings/{booking['id']}/cancel", traveller, {})
    assert _reads(server, path, "seats_left") == [10] * READS

    _post(server, "/bookings", traveller, {"trip_id": trip["id"], "seats": 10})
    assert _reads(server, path, "seats_left") == [0] * READS


def test_analytics_after_a_payment(server: ServerProcess, database_url: str) -> None:
    vendor, traveller = _account(server, "vendor"), _account(server, "traveler")
    admin = _admin(server, database_url)
    start = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    body = {"title": "Fjords", "destination": "Bergen", "price": "125.00", "capacity": 10}
    trip = _post(server, "/trips", vendor, {**body, "start_at": start})
    before = _reads(server, "/admin/analytics", "revenue.gross", admin)
    assert len(set(before)) == 1

    booking = _post(server, "/bookings", traveller, {"trip_id": trip["id"], "seats": 2})
    payment = {"booking_id": booking["id"], "payment_method": "pm_card_visa"}
    _post(server, "/payments", traveller, payment)

    after = _reads(server, "/admin/analytics", "revenue.gross", admin)
    assert {Decimal(gross) for gross in after} == {Decimal(before[0]) + Decimal("250.00")}
