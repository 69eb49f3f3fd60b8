"""/metrics under a real `travellr serve` with several gunicorn workers shows the exact counts.

Each worker is its own process with its own counters; only prometheus_client's multiprocess
mode (set up by the packaged gunicorn config) adds them up, and keeps a dead worker's counts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.api.factories import VISA, trip_body
from tests.support.server import ServerProcess, travellr_server
from travellr.infrastructure.db.migrate import upgrade

pytestmark = pytest.mark.slow

WORKERS = 3
TRIP = "/api/v1/trips/<uuid:trip_id>"
# (method, path, route label, status, times): sent concurrently, on fresh connections.
SEQUENCE = [
    ("GET", "/healthz", "/healthz", "200", 12),
    ("GET", "/api/v1/trips", "/api/v1/trips", "200", 9),
    ("GET", "/api/v1/trips/{uuid}", TRIP, "404", 6),
    ("GET", "/no/such/page/{uuid}", "<unmatched>", "404", 5),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    workdir = tmp_path_factory.mktemp("metrics")
    database_url = f"sqlite:///{workdir / 'travellr.db'}"
    upgrade(database_url)
    metrics_dir = workdir / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"left by a previous run")  # must go
    extra = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    log = workdir / "server.log"
    with travellr_server(database_url, log, workers=WORKERS, extra_env=extra) as running:
        yield running


def _samples(server: ServerProcess) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = requests.get(server.url("/metrics"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _requests(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], **labels: str) -> float:
    return samples.get(("travellr_http_requests_total", frozenset(labels.items())), 0.0)


def _send(server: ServerProcess, method: str, path: str) -> int:
    url = server.url(path.replace("{uuid}", str(uuid.uuid4())))
    # A new connection per request: the kernel hands them to whichever worker accepts first.
    response = requests.request(method, url, headers={"Connection": "close"}, timeout=10)
    return response.status_code


def _access_log_pids(server: ServerProcess, path: str) -> set[int]:
    """The workers whose JSON access log lines show they served `path`."""
    pids = set()
    for line in server.log_path.read_text().splitlines():
        if line.startswith("{") and '"gunicorn.access"' in line:
            entry = json.loads(line)
            assert len(entry["request_id"]) == 32  # the id the app made and answered with
            if entry["path"] == path:
                pids.add(entry["pid"])
    return pids


def _accept_queue(port: int) -> int:
    """Connections waiting in the listening socket's backlog, not yet taken by a worker."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
            return int(fields[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def _busy_workers(server: ServerProcess, count: int) -> Iterator[None]:
    """Keep `count` workers reading a half-sent GET /healthz, then let them finish it.

    Requests this fast would otherwise all be taken by whichever worker is awake; this way
    every worker serves at least one, and the counts must add up across processes.
    """
    held = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(count)]
    for connection in held:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
    deadline = time.monotonic() + 10
    while _accept_queue(server.port) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield
    finally:
        for connection in held:
            connection.sendall(b"Connection: close\r\n\r\n")
            assert connection.recv(64).startswith(b"HTTP/1.1 200")
            connection.close()


def test_metrics_add_up_the_requests_every_worker_served(server: ServerProcess) -> None:
    calls = [(method, path) for method, path, _, _, times in SEQUENCE for _ in range(times)]
    before = _samples(server)  # the start-up health probes are counted too
    with _busy_workers(server, WORKERS - 1), ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda call: _send(server, *call), calls))
    expected = [status for _, _, _, status, times in SEQUENCE for _ in range(times)]
    assert statuses == [int(status) for status in expected]

    after = _samples(server)

    for method, _, route, status, times in SEQUENCE:
        extra = WORKERS - 1 if route == "/healthz" else 0  # the held requests
        labels = {"method": method, "route": route, "status": status}
        assert _requests(after, **labels) - _requests(before, **labels) == times + extra
    assert _requests(after, method="GET", route="/metrics", status="200") == 1  # `before`
    assert after[("travellr_http_requests_in_flight", frozenset())] == 1  # this scrape
    healthz = (
        "travellr_http_request_duration_seconds_count",
        frozenset({("method", "GET"), ("route", "/healthz")}),
    )
    assert after[healthz] - before[healthz] == 12 + WORKERS - 1
    deadline = time.monotonic() + 5  # a worker logs the line just after it answers
    while len(_access_log_pids(server, "/healthz")) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_access_log_pids(server, "/healthz")) == WORKERS


def test_business_counters_and_a_dead_workers_counts_survive(server: ServerProcess) -> None:
    http = requests.Session()
    vendor, traveler = (
        http.post(
            server.url("/api/v1/auth/register"),
            json={
                "email": f"{uuid.uuid4().hex[:10]}@example.com",
                "password": "SecurePass123",
                "name": "N",
                "role": role,
            },
            timeout=10,
        ).json()
        for role in ("vendor", "traveler")
    )
    trip = http.post(
        server.url("/api/v1/trips"),
        json=trip_body(),
        timeout=10,
        headers={"Authorization": f"Bearer {vendor['access_token']}"},
    ).json()
    booking = http.post(
        server.url("/api/v1/bookings"),
        json={"trip_id": trip["id"], "payment_method": VISA},
        headers={"Authorization": f"Bearer {traveler['access_token']}"},
        timeout=10,
    )
    assert booking.status_code == 201, booking.text
    before = _samples(server)

    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGTERM)
    metrics_dir = Path(server.env["PROMETHEUS_MULTIPROC_DIR"])
    pool_size = ("travellr_db_pool_size", frozenset())
    deadline = time.monotonic() + 30
    while True:
        live = {int(path.stem.rsplit("_", 1)[1]) for path in metrics_dir.glob("gauge_livesum_*")}
        after = _samples(server)
        replaced = victim not in live and after.get(pool_size) == before[pool_size]
        if replaced or time.monotonic() > deadline:  # the replacement has loaded the app
            break
        time.sleep(0.1)

    for outcome in ("created", "confirmed"):
        key = ("travellr_bookings_total", frozenset({("outcome", outcome)}))
        assert before[key] == after[key] == 1
    payments = ("travellr_payments_total", frozenset({("outcome", "succeeded")}))
    assert before[payments] == after[payments] == 1
    scrapes = (
        "travellr_http_requests_total",
        frozenset({("method", "GET"), ("route", "/metrics"), ("status", "200")}),
    )
    for key, value in before.items():
        if key[0] == "travellr_http_requests_total" and key != scrapes:
            assert after[key] == value, f"{key} changed when a worker died"
    assert after[("travellr_http_requests_in_flight", frozenset())] == 1
    # Live gauges count the live workers only: child_exit dropped the dead one's files.
    assert victim not in live
    assert after[pool_size] == before[pool_size] == WORKERS * 5
