"""The README's first command works in a fresh copy of the project, with a clean environment,
and its scheduler (one for all the workers) expires the demo's holds and completes its trips."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from tests.support.server import free_port

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {".venv", "instance"}
STARTUP_TIMEOUT_S = 8 * 60
WORKERS = 3
EXPIRE_SECONDS = 2  # a first `make run` creates a venv and installs every dependency


def _fresh_copy(target: Path) -> Path:
    """The files git would ship (tracked, plus new ones that are not ignored)."""
    listing = subprocess.run(
        ["git", "-C", str(PROJECT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = PROJECT / name
        if Path(name).parts[0] in NOT_SHIPPED or not source.is_file():
            continue  # not shipped, or deleted in the working tree
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    return target


def _wait_for_health(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"make run exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass  # still installing, migrating or booting
        time.sleep(0.5)
    pytest.fail(f"no healthy server after {STARTUP_TIMEOUT_S} s:\n{log.read_text()[-4000:]}")


def _wait_for_bookings(port: int, admin: dict[str, str], status: str, count: int) -> None:
    deadline = time.monotonic() + 150
    url = f"http://127.0.0.1:{port}/api/v1/admin/bookings"
    while True:
        found = requests.get(url, params={"status": status}, headers=admin, timeout=10).json()
        if len(found["items"]) >= count:
            return
        assert time.monotonic() < deadline, f"{len(found['items'])} {status} bookings, not {count}"
        time.sleep(1)


def _expire_runs(database: Path, since: datetime) -> list[tuple[str, str]]:
    """(runner, started_at) of the expire-holds runs since `since`, read from the file."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT runner, started_at FROM job_runs"
            " WHERE job = 'expire-holds' AND started_at >= ?",
            (since.replace(tzinfo=None).isoformat(sep=" "),),
        ).fetchall()
    return [(str(runner), str(started)) for runner, started in rows]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_make_run_serves_the_demo_from_a_fresh_copy(tmp_path: Path) -> None:
    project = _fresh_copy(tmp_path / "travellr")
    assert (project / "Makefile").is_file()
    assert not (project / ".venv").exists()
    assert not (project / "instance").exists()
    port = free_port()
    log = tmp_path / "make-run.log"
    clean_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        # Short enough to watch: the demo's holds run out a minute after the seed.
        "BOOKING_HOLD_MINUTES": "1",
        "EXPIRE_BOOKINGS_SECONDS": str(EXPIRE_SECONDS),
        "WEB_CONCURRENCY": str(WORKERS),
    }

    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=project,
            env=clean_env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_health(process, f"http://127.0.0.1:{port}/healthz", log)
        login = requests.post(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            json={"email": "admin@travellr.test", "password": "demo-password-123"},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        admin = {"Authorization": f"Bearer {login.json()['access_token']}"}
        watched_from = datetime.now(UTC)
        # Nothing but the scheduler changes them: the holds run out, the ended trip completes.
        _wait_for_bookings(port, admin, "expired", 2)
        _wait_for_bookings(port, admin, "completed", 4)
        trips = requests.get(f"http://127.0.0.1:{port}/api/v1/trips", timeout=10).json()
        seats = {trip["title"]: trip["seats_left"] for trip in trips["items"]}
        assert seats["Matterhorn glacier hike"] == 12 - 2  # the declined card's 2 seats came back
        assert seats["Cyclades sailing week"] == 10  # the unpaid hold's seat came back
        runs = _expire_runs(project / "instance" / "travellr.db", watched_from)
        watched = (datetime.now(UTC) - watched_from).total_seconds()
    finally:
        _stop(process)

    assert len({runner for runner, _ in runs}) == 1, runs  # one scheduler for all the workers
    assert 1 <= len(runs) <= watched / EXPIRE_SECONDS + 2, (len(runs), watched)

    assert login.json()["user"]["role"] == "admin"
    assert login.json()["token_type"] == "Bearer"
    assert (project / "instance" / "travellr.db").is_file()
    assert "admin@travellr.test" in log.read_text()
