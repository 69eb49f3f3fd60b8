"""What checking pooled connections costs a request: none, the poll() check, pool_pre_ping.

In-process and paired: three apps on one scratch PostgreSQL database differ only in how their
two pools check a connection at checkout; batches of each request alternate between them, and
each figure is the least CPU (and wall) time per request over the batches, the steadiest
measure on a shared machine. Run: python bench/pool_liveness.py --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import create_engine, event, text

from travellr.app import create_app
from travellr.config import Environment, RateLimit, Settings
from travellr.infrastructure.db.engine import _drop_if_closed_by_server
from travellr.infrastructure.db.migrate import upgrade

KINDS = ("none", "poll", "pre_ping")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    server = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"travellr_liveness_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        _measure(url, args.batches, args.requests)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))


def _measure(url: str, batches: int, requests: int) -> None:
    clients = {kind: _client(url, kind) for kind in KINDS}
    paths = _paths(clients)
    cpu: dict[tuple[str, str], float] = {}
    wall: dict[tuple[str, str], float] = {}
    for batch in range(batches + 1):  # the first batch warms up and is not counted
        for path, by_kind in paths.items():
            for kind, call in by_kind.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                for _ in range(requests):
                    call()
                if batch:
                    key = (path, kind)
                    spent = (time.process_time() - started_cpu) / requests * 1e6
                    cpu[key] = min(cpu.get(key, spent), spent)
                    spent = (time.perf_counter() - started) / requests * 1e6
                    wall[key] = min(wall.get(key, spent), spent)
    print(f"per request, least of {batches} batches of {requests} (us): CPU / wall")
    print(f"  {'path':<16}" + "".join(f"{kind:>16}" for kind in KINDS))
    for path in paths:
        figures = [f"{cpu[(path, kind)]:.0f} / {wall[(path, kind)]:.0f}" for kind in KINDS]
        print(f"  {path:<16}" + "".join(f"{figure:>16}" for figure in figures))


def _client(url: str, kind: str) -> Any:
    settings = Settings(
        environment=Environment.PRODUCTION,
        secret_key="pool-liveness-bench-secret-key-of-enough-length",
        database_url=url,
        bcrypt_rounds=4,
        rate_limit_login=RateLimit(1000000, 60),
        rate_limit_register=RateLimit(1000000, 60),
        log_level="WARNING",
        metrics_enabled=False,
    )
    app = create_app(settings)
    services = app.extensions["travellr"]
    for engine in (services.engine, services.read_engine):
        if kind != "poll":
            event.remove(engine, "checkout", _drop_if_closed_by_server)
        engine.pool._pre_ping = kind == "pre_ping"
    return app.test_client()


def _paths(clients: dict[str, Any]) -> dict[str, dict[str, Callable[[], Any]]]:
    first = clients["none"]
    password = "SecurePass123"

    def account(role: str) -> dict[str, str]:
        email = f"{uuid.uuid4().hex[:10]}@example.com"
        body = {"email": email, "password": password, "name": "Bench", "role": role}
        token = first.post("/api/v1/auth/register", json=body).get_json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    vendor, traveller = account("vendor"), account("traveler")
    created = first.post(
        "/api/v1/trips",
        json={
            "title": "Bench",
            "description": "Bench",
            "destination": "Bench",
            "start_at": "2040-01-01T00:00:00Z",
            "end_at": "2040-01-02T00:00:00Z",
            "price": "10.00",
            "capacity": 10000,
        },
        headers=vendor,
    )
    assert created.status_code == 201, created.get_json()
    trip = created.get_json()["id"]
    booking = first.post("/api/v1/bookings", json={"trip_id": trip}, headers=traveller)
    booking_id = booking.get_json()["id"]
    return {
        "GET /bookings/x": {
            kind: (lambda c=client: c.get(f"/api/v1/bookings/{booking_id}", headers=traveller))
            for kind, client in clients.items()
        },
        "POST /bookings": {
            kind: (
                lambda c=client: c.post(
                    "/api/v1/bookings", json={"trip_id": trip}, headers=traveller
                )
            )
            for kind, client in clients.items()
        },
    }


if __name__ == "__main__":
    main()
