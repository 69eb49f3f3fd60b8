"""The real server: `travellr serve` under gunicorn with three workers, over real HTTP.

A logged-out token must be refused by every worker process and after a restart, which only
holds if revocations live in shared, durable state (the database), never in a worker's memory.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import pytest
import requests

from tests.conftest import POSTGRES_URL, PostgresDatabase, requires_postgres
from tests.support.server import SERVE, child_pids, free_port
from travellr.infrastructure.db.migrate import upgrade

pytestmark = pytest.mark.slow

WORKERS = 3
ME = "/api/v1/users/me"


def _accept_queue(port: int) -> int:
    """Connections waiting in the listening socket's backlog, not yet taken by a worker."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == f"0100007F:{port:04X}" and fields[3] == "0A":
            return int(fields[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


class Server:
    """`travellr serve` in its own process group; stopped with the whole group."""

    def __init__(self, database_url: str, workdir: Path) -> None:
        self.port = free_port()
        self.log = workdir / f"server-{self.port}.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(workdir),
            "TRAVELLR_ENV": "testing",
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-for-prod",
            "DATABASE_URL": database_url,
            "BCRYPT_ROUNDS": "4",
        }
        self.workdir = workdir

    def __enter__(self) -> Server:
        args = ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(WORKERS)]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*SERVE, *args],
                env=self.env,
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def workers(self) -> list[int]:
        return child_pids(self.process.pid)

    def _wait_until_serving(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited:\n{self.log.read_text()[-3000:]}")
            try:
                healthy = requests.get(self.url("/healthz"), timeout=1).status_code == 200
            except requests.RequestException:  # not listening yet, or a worker still booting
                healthy = False
            if healthy and len(self.workers()) == WORKERS:
                return
            time.sleep(0.1)
        raise AssertionError(f"no healthy server in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def statuses_from_every_worker(self, token: str) -> list[int]:
        """GET /users/me once on each worker, provably.

        A sync worker serves one connection at a time: two connections that sent half a request
        pin two workers (once the backlog is empty, both were accepted), so a third request can
        only be served by the third worker. Then the two pinned requests are finished.
        """
        raw = (
            f"GET {ME} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        pinned = [socket.create_connection(("127.0.0.1", self.port), timeout=10) for _ in "ab"]
        try:
            for connection in pinned:
                connection.sendall(raw[:20])
            deadline = time.monotonic() + 10
            while _accept_queue(self.port) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _accept_queue(self.port) == 0, "the workers did not take the connections"
            statuses = [requests.get(self.url(ME), headers=_bearer(token), timeout=10).status_code]
            for connection in pinned:
                connection.sendall(raw[20:])
                statuses.append(int(connection.makefile("rb").readline().split()[1]))
        finally:
            for connection in pinned:
                connection.close()
        return statuses


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Connection": "close"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'e2e.db'}"
        upgrade(url)
        yield url
        return
    requires_postgres()
    assert POSTGRES_URL is not None
    database = PostgresDatabase(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        upgrade(database.url)
        yield database.url
    finally:
        database.drop()


def _sign_up(server: Server) -> tuple[str, str]:
    """Register and log in over HTTP: two tokens of one user."""
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "SecurePass123"}
    registered = requests.post(
        server.url("/api/v1/auth/register"), json={**body, "name": "E2E"}, timeout=10
    )
    assert registered.status_code == 201, registered.text
    logged_in = requests.post(server.url("/api/v1/auth/login"), json=body, timeout=10)
    assert logged_in.status_code == 200, logged_in.text
    return registered.json()["access_token"], logged_in.json()["access_token"]


def test_a_revoked_token_is_refused_by_every_worker_and_after_a_restart(
    migrated_database: str, tmp_path: Path
) -> None:
    with Server(migrated_database, tmp_path) as server:
        master_and_workers = {server.process.pid, *server.workers()}
        assert len(master_and_workers) == WORKERS + 1
        revoked, kept = _sign_up(server)
        assert server.statuses_from_every_worker(revoked) == [200] * WORKERS

        logout = requests.post(
            server.url("/api/v1/auth/logout"), headers=_bearer(revoked), timeout=10
        )
        assert logout.status_code == 204

        assert server.statuses_from_every_worker(revoked) == [401] * WORKERS
        assert server.statuses_from_every_worker(kept) == [200] * WORKERS
        responses = [
            requests.get(server.url(ME), headers=_bearer(revoked), timeout=10) for _ in range(30)
        ]
        assert [r.status_code for r in responses] == [401] * 30
        assert all(r.headers["WWW-Authenticate"].startswith("Bearer") for r in responses)

    assert server.process.returncode is not None
    assert not [pid for pid in master_and_workers if Path(f"/proc/{pid}").exists()]

    with Server(migrated_database, tmp_path) as restarted:
        assert restarted.statuses_from_every_worker(revoked) == [401] * WORKERS
        assert restarted.statuses_from_every_worker(kept) == [200] * WORKERS
