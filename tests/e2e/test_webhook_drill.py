"""The SIGKILL drill for webhooks: 100 events, a real Celery worker on RabbitMQ killed again
and again while it sends, and every event still reaches the endpoint; an event that arrives
twice (its 2xx lost with the worker) arrives with the same `webhook-id` and the same body."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from kombu import Connection
from sqlalchemy import create_engine, func, select
from standardwebhooks import Webhook

from tests.conftest import PostgresDatabase, requires_broker
from tests.e2e.test_workers import TRAVELLR, WORKER, _kill_group, _wait_ready
from tests.support.server import ServerProcess, travellr_env, travellr_server
from tests.support.webhook_receiver import Receiver, running_receiver
from travellr.infrastructure.db.tables import webhook_deliveries

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
EVENTS = 100


@pytest.fixture
def drill(postgres_database: PostgresDatabase, tmp_path: Path) -> Iterator[dict[str, Any]]:
    broker_url = requires_broker()
    postgres_database.truncate()
    env = {
        "BROKER_URL": broker_url,
        "TASK_QUEUE": f"travellr-drill-{uuid.uuid4().hex[:8]}",
        "OUTBOX_RELAY_SECONDS": "1",
        "OUTBOX_REPUBLISH_SECONDS": "5",
        "WEBHOOK_DELIVERY_SECONDS": "1",
        "WEBHOOK_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "INFO",
    }
    processes: list[subprocess.Popen[bytes]] = []

    def start(command: list[str], name: str) -> subprocess.Popen[bytes]:
        log = tmp_path / f"{name}-{len(processes)}.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                env=travellr_env(postgres_database.url, env),
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        processes.append(process)
        if name == "worker":
            _wait_ready(process, log)
        return process

    def start_worker(*options: str) -> subprocess.Popen[bytes]:
        node = f"travellr-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        return start([*WORKER, f"--hostname={node}", *options], "worker")

    start([*TRAVELLR, "beat", f"--schedule={tmp_path / 'beat-schedule'}"], "beat")
    with (
        running_receiver() as receiver,
        travellr_server(
            postgres_database.url, tmp_path / "api.log", workers=2, extra_env=env
        ) as api,
    ):
        yield {
            "api": api,
            "receiver": receiver,
            "start_worker": start_worker,
            "database_url": postgres_database.url,
        }
        for process in processes:
            _kill_group(process, signal.SIGTERM)
    with Connection(broker_url) as broker:
        for queue in (env["TASK_QUEUE"], f"{env['TASK_QUEUE']}.webhooks"):
            broker.default_channel.queue_delete(queue)


def _account(api: ServerProcess, role: str) -> dict[str, str]:
    body = {
        "email": f"{role}-{uuid.uuid4().hex[:8]}@example.com",
        "password": "SecurePass123",
        "name": role.title(),
        "role": role,
    }
    response = requests.post(api.url("/api/v1/auth/register"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _book_many(
    api: ServerProcess, receiver: Receiver, count: int = EVENTS
) -> tuple[str, list[str]]:
    vendor = _account(api, "vendor")
    endpoint = requests.post(
        api.url("/api/v1/webhook-endpoints"),
        json={"url": receiver.url, "events": ["booking.created"]},
        headers=vendor,
        timeout=10,
    )
    assert endpoint.status_code == 201, endpoint.text
    trip = requests.post(
        api.url("/api/v1/trips"),
        headers=vendor,
        timeout=10,
        json={
            "title": "Drill",
            "destination": "Oslo",
            "price": "10.00",
            "capacity": 1000,
            "start_at": "2030-06-01T09:00:00Z",
        },
    )
    assert trip.status_code == 201, trip.text
    traveller = _account(api, "traveler")
    bookings = []
    for _ in range(count):
        booking = requests.post(
            api.url("/api/v1/bookings"),
            json={"trip_id": trip.json()["id"]},
            headers=traveller,
            timeout=10,
        )
        assert booking.status_code == 201, booking.text
        bookings.append(booking.json()["id"])
    return endpoint.json()["secret"], bookings


def test_every_event_reaches_the_endpoint_through_repeated_sigkills(
    drill: dict[str, Any],
) -> None:
    receiver: Receiver = drill["receiver"]
    receiver.pause = 0.3  # sends take a while: the kills land in the middle of them
    worker = drill["start_worker"]()
    with ThreadPoolExecutor(1) as booker:
        booked = booker.submit(_book_many, drill["api"], receiver)
        rng = random.Random(19)
        in_flight_at_kill = []
        for _ in range(6):  # kill the worker mid-stream, again and again
            time.sleep(rng.uniform(1.0, 3.0))
            in_flight_at_kill.append(0 < len(receiver.received) < EVENTS)
            _kill_group(worker, signal.SIGKILL)
            worker = drill["start_worker"]()
        secret, bookings = booked.result()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with receiver.lock:
            received = list(receiver.received)
        delivered = {Webhook(secret).verify(r.body, r.headers)["data"]["id"] for r in received}
        if delivered >= set(bookings):
            break
        time.sleep(1)

    assert any(in_flight_at_kill), "no kill landed while deliveries were being sent"
    assert delivered == set(bookings)
    by_id: dict[str, set[str]] = defaultdict(set)
    for r in received:
        by_id[r.headers["webhook-id"]].add(r.body)
    assert len(by_id) == EVENTS  # a repeat is only ever the same event again
    assert all(len(bodies) == 1 for bodies in by_id.values())


def test_webhooks_wait_in_their_own_queue_while_the_events_are_handled(
    drill: dict[str, Any],
) -> None:
    """A worker of the events' queue alone handles every event (fan-out makes the deliveries)
    but sends none: the sender's runs wait in the webhooks queue for a worker of their own."""
    receiver: Receiver = drill["receiver"]
    drill["start_worker"]("--queue=events")
    secret, bookings = _book_many(drill["api"], receiver, count=3)
    engine = create_engine(drill["database_url"])
    try:
        deadline = time.monotonic() + 60
        made = 0
        while made < len(bookings) and time.monotonic() < deadline:
            time.sleep(0.5)
            with engine.connect() as connection:
                made = connection.scalar(select(func.count()).select_from(webhook_deliveries))
        assert made == len(bookings)
        time.sleep(3)  # beat queues the sender every second: its runs wait unconsumed
        assert receiver.received == []

        drill["start_worker"]("--queue=webhooks")
        deadline = time.monotonic() + 60
        while len(receiver.received) < len(bookings) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        engine.dispose()
    with receiver.lock:
        delivered = {
            Webhook(secret).verify(r.body, r.headers)["data"]["id"] for r in receiver.received
        }
    assert delivered == set(bookings)
