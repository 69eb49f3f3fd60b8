"""A real broker (Redis and RabbitMQ), a real `travellr worker` and an SMTP server.

An event raised by a booking travels API -> outbox -> relay -> broker -> worker -> handler,
and the email lands at an aiosmtpd server started here. A worker killed with SIGKILL while a
handler is sending is restarted, and each message still arrives exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from kombu import Connection

from tests.conftest import (
    REDIS_URL,
    PostgresDatabase,
    requires_broker,
    requires_postgres,
    requires_redis,
)
from tests.support.server import ServerProcess, free_port, travellr_env, travellr_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
TRAVELLR = [sys.executable, "-c", "from travellr.cli import main; main()"]
WORKER = [*TRAVELLR, "worker", "--concurrency=1", "--pool=prefork"]


class Mailbox:
    """Collects the messages an SMTP client delivers; can hold the first one at RCPT."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.hold_first = False
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.hold_first:
            self.hold_first = False
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def sent(self) -> list[tuple[str, str]]:
        return sorted((str(m["To"]), str(m["Subject"])) for m in self.messages)

    def wait_for(self, count: int, timeout: float = 60) -> list[tuple[str, str]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.sent()


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    box.release.set()
    controller.stop()


@pytest.fixture(params=["redis", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        requires_redis()
        assert REDIS_URL is not None
        return REDIS_URL.rsplit("/", 1)[0] + "/14"
    return requires_broker()


@pytest.fixture
def stack(
    postgres_database: PostgresDatabase,
    broker_url: str,
    mailbox: tuple[Mailbox, int],
    tmp_path: Path,
) -> Iterator[dict[str, Any]]:
    requires_postgres()
    postgres_database.truncate()
    env = {
        "BROKER_URL": broker_url,
        "TASK_QUEUE": f"travellr-test-{uuid.uuid4().hex[:8]}",
        "BROKER_VISIBILITY_TIMEOUT": "5",
        "OUTBOX_RELAY_SECONDS": "1",
        "OUTBOX_REPUBLISH_SECONDS": "5",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mailbox[1]),
        "SMTP_STARTTLS": "false",
        "SMTP_FROM": "Travellr <bookings@travellr.test>",
        "LOG_LEVEL": "INFO",
    }
    workers: list[subprocess.Popen[bytes]] = []
    nodes: list[str] = []

    def start_worker() -> subprocess.Popen[bytes]:
        log = tmp_path / f"worker-{len(workers)}.log"
        # A node name of its own: RabbitMQ may still hold a killed worker's control queue.
        node = f"travellr-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        nodes.append(node)
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*WORKER, f"--hostname={node}"],
                env=travellr_env(postgres_database.url, env),
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        workers.append(process)
        _wait_ready(process, log)
        return process

    beat_log = tmp_path / "beat.log"
    with beat_log.open("wb") as output:
        beat = subprocess.Popen(
            [*TRAVELLR, "beat", f"--schedule={tmp_path / 'beat-schedule'}"],
            env=travellr_env(postgres_database.url, env),
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    workers.append(beat)
    with travellr_server(
        postgres_database.url, tmp_path / "api.log", workers=2, extra_env=env
    ) as api:
        start_worker()
        yield {
            "api": api,
            "start_worker": start_worker,
            "processes": workers,
            "nodes": nodes,
            "env": travellr_env(postgres_database.url, env),
            "mailbox": mailbox[0],
        }
    for process in workers:
        _kill_group(process, signal.SIGTERM)
    with Connection(broker_url) as broker:  # each test's queues are its own: leave none behind
        for queue in (env["TASK_QUEUE"], f"{env['TASK_QUEUE']}.webhooks"):
            broker.default_channel.queue_delete(queue)


def _wait_ready(process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited:\n{log.read_text(errors='replace')[-3000:]}")
        if "ready." in log.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise RuntimeError(f"the worker is not ready:\n{log.read_text(errors='replace')[-3000:]}")


def _kill_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    for signal_to_send in (sig, signal.SIGKILL):
        try:
            os.killpg(process.pid, signal_to_send)
            process.wait(timeout=20)
            return
        except ProcessLookupError:
            process.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            continue


def _book_a_paid_trip(api: ServerProcess) -> dict[str, Any]:
    def register(role: str) -> dict[str, Any]:
        body = {
            "email": f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            "password": "SecurePass123",
            "name": role.title(),
            "role": role,
        }
        response = requests.post(api.url("/api/v1/auth/register"), json=body, timeout=10)
        assert response.status_code == 201, response.text
        return {
            "email": body["email"],
            "headers": {"Authorization": f"Bearer {response.json()['access_token']}"},
        }

    vendor, traveller = register("vendor"), register("traveler")
    trip = {
        "title": "Fjord kayaking",
        "destination": "Bergen",
        "price": "150.00",
        "capacity": 8,
        "start_at": "2030-06-01T09:00:00Z",
    }
    created = requests.post(
        api.url("/api/v1/trips"), json=trip, headers=vendor["headers"], timeout=10
    )
    assert created.status_code == 201, created.text
    booking = requests.post(
        api.url("/api/v1/bookings"),
        headers=traveller["headers"],
        timeout=10,
        json={"trip_id": created.json()["id"], "payment_method": "pm_card_visa"},
    )
    assert booking.status_code == 201, booking.text
    return {"vendor": vendor["email"], "traveller": traveller["email"]}


def _expected(people: dict[str, Any]) -> list[tuple[str, str]]:
    title = "Fjord kayaking"
    return sorted(
        [
            (people["traveller"], f"Booking received: {title}"),
            (people["vendor"], f"New booking: {title}"),
            (people["traveller"], f"Booking confirmed: {title}"),
            (people["vendor"], f"Booking confirmed: {title}"),
        ]
    )


def test_a_booking_reaches_the_smtp_server_through_the_broker(stack: dict[str, Any]) -> None:
    people = _book_a_paid_trip(stack["api"])
    mailbox: Mailbox = stack["mailbox"]

    assert mailbox.wait_for(4) == _expected(people)
    confirmed = next(
        m
        for m in mailbox.messages
        if m["To"] == people["traveller"] and "confirmed" in str(m["Subject"])
    )
    text = confirmed.get_body(preferencelist=("plain",))
    assert text is not None
    assert "150.00 USD" in text.get_content()


def test_a_worker_killed_mid_handler_delivers_each_message_once(stack: dict[str, Any]) -> None:
    mailbox: Mailbox = stack["mailbox"]
    mailbox.hold_first = True
    people = _book_a_paid_trip(stack["api"])
    assert mailbox.holding.wait(60), "no handler reached the SMTP server"

    _kill_group(stack["processes"][1], signal.SIGKILL)
    mailbox.release.set()
    stack["start_worker"]()

    assert mailbox.wait_for(4) == _expected(people)
    time.sleep(8)  # longer than the visibility timeout: a duplicate would have arrived by now
    assert mailbox.sent() == _expected(people)


def test_worker_ping_tells_a_live_worker_from_a_missing_one(stack: dict[str, Any]) -> None:
    def ping(node: str) -> int:
        command = [*TRAVELLR, "worker-ping", "--node", node, "--timeout", "3"]
        return subprocess.run(
            command, env=stack["env"], capture_output=True, timeout=60, check=False
        ).returncode

    assert ping(stack["nodes"][0]) == 0
    assert ping(f"nobody-{uuid.uuid4().hex[:6]}@{socket.gethostname()}") != 0
