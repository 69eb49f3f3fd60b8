"""The README's first command works in a fresh copy of the project, with a clean environment."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.server import free_port

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {".venv", "instance"}
STARTUP_TIMEOUT_S = 8 * 60  # a first `make run` creates a venv and installs every dependency


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
    clean_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path))}

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
    finally:
        _stop(process)

    assert login.status_code == 200, login.text
    assert login.json()["user"]["role"] == "admin"
    assert login.json()["token_type"] == "Bearer"
    assert (project / "instance" / "travellr.db").is_file()
    assert "admin@travellr.test" in log.read_text()
