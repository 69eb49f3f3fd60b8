"""The embedded default's background thread: kicks never wait for the work, work committed
while it runs is not left behind, a failure does not stop later kicks, and `drain` waits."""

from __future__ import annotations

import importlib
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from travellr.workers.background import BackgroundLoop
from travellr.workers.celery_app import RELAY


class Work:
    """Does `pending` items one per call; blocks each call until `go` is set."""

    def __init__(self) -> None:
        self.pending = 0
        self.done = 0
        self.go = threading.Event()
        self.go.set()
        self.started = threading.Event()
        self.fail_next = False

    def __call__(self) -> int:
        self.started.set()
        self.go.wait(10)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the database went away")
        if not self.pending:
            return 0
        self.pending -= 1
        self.done += 1
        return 1


def test_a_kick_returns_at_once_and_the_thread_does_the_work() -> None:
    work = Work()
    work.pending, work.go = 3, threading.Event()  # held until released
    loop = BackgroundLoop("test-loop", work)

    started = time.monotonic()
    loop.kick()
    assert time.monotonic() - started < 1
    assert work.started.wait(5)
    assert work.done == 0

    work.go.set()
    assert loop.drain(timeout=5)
    assert (work.done, work.pending) == (3, 0)


def test_work_added_while_the_thread_runs_is_done_by_that_kick() -> None:
    work = Work()
    work.go = threading.Event()
    loop = BackgroundLoop("test-loop", work)
    loop.kick()
    assert work.started.wait(5)  # the thread is in its first call, which finds nothing

    work.pending = 2  # committed meanwhile
    loop.kick()
    work.go.set()

    assert loop.drain(timeout=5)
    assert work.done == 2


def test_a_failure_is_logged_and_the_next_kick_works(caplog: pytest.LogCaptureFixture) -> None:
    work = Work()
    work.fail_next, work.pending = True, 1
    loop = BackgroundLoop("test-loop", work)

    loop.kick()
    assert loop.drain(timeout=5)
    assert work.done == 0
    assert "background work failed" in caplog.text

    loop.kick()
    assert loop.drain(timeout=5)
    assert work.done == 1


def test_drain_gives_up_after_its_timeout_while_work_goes_on() -> None:
    work = Work()
    work.pending, work.go = 1, threading.Event()
    loop = BackgroundLoop("test-loop", work)
    loop.kick()
    assert work.started.wait(5)

    assert not loop.drain(timeout=0.2)

    work.go.set()
    assert loop.drain(timeout=5)


def test_a_drained_loop_that_was_never_kicked_is_idle() -> None:
    assert BackgroundLoop("test-loop", Work()).drain(timeout=0)


def test_a_stopping_gunicorn_worker_relays_what_it_committed_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # read at the config's import
    gunicorn_conf = importlib.import_module("travellr.cli.gunicorn_conf")
    work = Work()
    work.pending, work.go = 1, threading.Event()
    relay = BackgroundLoop("outbox-relay", work)
    relay.kick()
    assert work.started.wait(5)
    threading.Timer(0.2, work.go.set).start()  # the handler finishes while the worker stops

    worker = SimpleNamespace(wsgi=SimpleNamespace(extensions={RELAY: relay}))
    gunicorn_conf.worker_exit(None, worker)

    assert work.done == 1
