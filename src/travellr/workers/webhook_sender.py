"""Where the webhook sender runs: a Celery task with a broker; without one (the embedded
default) a background thread of the process, so that a slow endpoint never holds a request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from travellr.application import webhooks

if TYPE_CHECKING:
    from travellr.bootstrap import Services

log = logging.getLogger("travellr.webhooks")
# The thread stays while a delivery falls due within this many seconds (the first retries);
# later ones wait for the next kick or the scheduler.
STAY_FOR_SECONDS = 60.0


class BackgroundSender:
    """One thread per process, woken by kicks; two processes never send the same attempt
    (each delivery is claimed first)."""

    def __init__(
        self, send_due: Callable[[], int], next_due: Callable[[], datetime | None]
    ) -> None:
        self._send_due = send_due
        self._next_due = next_due
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        self._wake.set()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="webhook-sender", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while self._send_due():
                    pass
                due = self._next_due()
            except Exception:
                log.exception("webhook sender failed")
                due = None
            wait = None if due is None else (due - datetime.now(UTC)).total_seconds()
            if wait is None or wait > STAY_FOR_SECONDS:
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.wait(max(wait, 0.0))


def send_due(services: Services) -> int:
    """One batch of due webhook deliveries, each attempted once."""
    adapters = services.webhooks
    return webhooks.deliver_due(
        store=adapters.store,
        box=adapters.box,
        resolver=adapters.resolver,
        poster=adapters.poster,
        rules=adapters.rules,
        now=datetime.now(UTC),
    )


_background: dict[int, tuple[Services, BackgroundSender]] = {}


def kick(services: Services) -> None:
    """Have the due deliveries sent soon, without waiting here for any of them."""
    if services.settings.broker_url is not None:
        from travellr.workers.tasks import deliver_webhooks

        deliver_webhooks.delay()
        return
    entry = _background.get(id(services))
    if entry is None:
        sender = BackgroundSender(lambda: send_due(services), services.webhooks.store.next_due)
        entry = _background.setdefault(id(services), (services, sender))
    entry[1].kick()
