"""Work an API process does on a thread of its own when there is no broker (the embedded
default): the outbox relay with its handlers, and the webhook sender. A request only kicks the
thread, so it never waits for handlers, fan-out or receivers."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger("travellr.workers")
# The thread stays while its next piece of work falls due within this many seconds; later
# work waits for the next kick or the embedded scheduler.
STAY_FOR_SECONDS = 60.0


class BackgroundLoop:
    """One thread per process, started by a kick and gone once nothing is left to do.

    The thread runs `work` until it reports that it did nothing (0), then sleeps until
    `next_due` or the next kick. A kick while it works makes it go round once more, so work
    committed meanwhile is never left behind. Threads do not survive a fork: the first kick in a
    forked process starts its own.
    """

    def __init__(
        self,
        name: str,
        work: Callable[[], int],
        next_due: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        self._name = name
        self._work = work
        self._next_due = next_due
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._working = False

    def kick(self) -> None:
        self._wake.set()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the work kicked so far to be done; True if it is.

        A stopping process calls it so that what its last requests committed leaves now
        rather than at the scheduler's next relay."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
                running = thread is not None and thread.is_alive()
                idle = not running or not (self._wake.is_set() or self._working)
            if idle:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    def _run(self) -> None:
        while True:
            self._working = True  # before the wake is cleared: `drain` never sees neither
            self._wake.clear()
            try:
                while self._work():
                    pass
                due = self._next_due()
            except Exception:
                log.exception("background work failed", extra={"task": self._name})
                due = None
            finally:
                self._working = False
            wait = None if due is None else (due - datetime.now(UTC)).total_seconds()
            if wait is None or wait > STAY_FOR_SECONDS:
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.wait(max(wait, 0.0))
