"""A real `travellr serve` (gunicorn) in its own process group, on a free port.

Self-contained on purpose: the concurrency tests and the benchmark both start one, and neither
should depend on another suite's fixtures.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from urllib.error import URLError
from urllib.request import urlopen

TRAVELLR = [sys.executable, "-c", "from travellr.cli import main; main()"]  # the CLI
SERVE = [*TRAVELLR, "serve"]
SECRET_KEY = "test-server-secret-key-that-is-long-enough-for-production"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_group(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """SIGTERM the process's group (it was started in a session of its own), SIGKILL if it
    lingers: gunicorn's and Celery's graceful stop, with a bound."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass  # it ended between the check and the signal


def child_pids(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class ServerProcess:
    """A command serving HTTP on 127.0.0.1:port, started in a new session, stopped as a group.

    `command` is the argv; `{port}` in it is replaced by the chosen port. The server counts as
    up when GET `health_path` answers 200 and (when `workers` is given) the master has forked
    that many workers.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str],
        log_path: Path,
        workers: int | None = None,
        health_path: str = "/healthz",
        cwd: Path | None = None,
        start_timeout: float = 60,
    ) -> None:
        self.port = free_port()
        self.command = [part.replace("{port}", str(self.port)) for part in command]
        self.env = dict(env)
        self.log_path = log_path
        self.workers = workers
        self.health_path = health_path
        self.cwd = cwd or log_path.parent
        self.start_timeout = start_timeout
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self) -> ServerProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        try:
            self._wait_until_serving()
        except BaseException:
            self.stop()
            raise
        return self

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def worker_pids(self) -> list[int]:
        return child_pids(self.process.pid) if self.process else []

    def _healthy(self) -> bool:
        try:
            with urlopen(self.url(self.health_path), timeout=2) as response:  # noqa: S310 - http
                return bool(response.status == 200)
        except (URLError, OSError):
            return False

    def _wait_until_serving(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_tail()}")
            enough = self.workers is None or len(self.worker_pids()) >= self.workers
            if enough and self._healthy():
                return
            time.sleep(0.1)
        raise RuntimeError(f"no healthy server in {self.start_timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM the whole process group (gunicorn's graceful stop), SIGKILL if it lingers."""
        if self.process is not None:
            stop_group(self.process, timeout)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def travellr_env(database_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A minimal environment for `travellr serve` in testing mode; `extra` overrides it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME") or str(Path.home()),
        "LANG": "C.UTF-8",
        "TRAVELLR_ENV": "testing",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "BCRYPT_ROUNDS": "4",
        "RATE_LIMIT_LOGIN": "100000/minute",
        "RATE_LIMIT_REGISTER": "100000/minute",
        "LOG_LEVEL": "WARNING",
    }
    env.update(extra or {})
    return env


def travellr_server(
    database_url: str,
    log_path: Path,
    *,
    workers: int = 4,
    extra_env: Mapping[str, str] | None = None,
) -> ServerProcess:
    """`travellr serve --workers N` (gunicorn, sync workers) against `database_url`; not started.

    Use as a context manager, or call start() and stop().
    """
    command = [*SERVE, "--host", "127.0.0.1", "--port", "{port}", "--workers", str(workers)]
    return ServerProcess(
        command,
        env=travellr_env(database_url, extra_env),
        log_path=log_path,
        workers=workers,
        # A clean cwd: a developer's .env in the tree must not leak into the server's settings.
        cwd=log_path.parent,
    )
