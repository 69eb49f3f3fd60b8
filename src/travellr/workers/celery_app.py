"""The Celery application, configured from the same Settings as the API.

With `BROKER_URL` set (Redis or RabbitMQ), tasks go to the broker and `travellr worker` /
`travellr beat` run them. Without it (the embedded default) the same tasks run in-process:
a commit's events are relayed and handled on a background thread, never in the request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import Celery, Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from flask import Flask
from kombu.exceptions import OperationalError as BrokerError

from travellr.bootstrap import build
from travellr.config import Settings
from travellr.workers import runtime, webhook_sender
from travellr.workers.background import BackgroundLoop
from travellr.workers.embedded_scheduler import EmbeddedScheduler
from travellr.workers.request_ids import bind_request_id, stamp_request_id, unbind_request_id
from travellr.workers.schedule import beat_schedule, job_schedules

if TYPE_CHECKING:
    from travellr.bootstrap import Services

KICK_INTERVAL = 0.25  # seconds
BROKER_TIMEOUT = 1.0  # seconds an API process waits for the broker to accept a connection
BROKER_REST = 5.0  # seconds a broker that did not answer is left alone by the kicks
log = logging.getLogger("travellr.workers")


class PostponedOnOutage(Task):  # type: ignore[misc]
    """A task that finds the database or the broker not answering logs one line, not a
    traceback, and ends: its work stays due and a later run does it (events wait in the
    outbox, whose relay sends again what was not handled; the jobs run on their schedule)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            outage = runtime.services().outage_of(error)
            if outage is None:
                raise
            service, reason = outage
            log.warning(
                "task postponed: a service does not answer",
                extra={"task": self.name, "service": service, "reason": reason},
            )
            return None


SCHEDULER = "travellr.scheduler"  # the app extension holding the embedded scheduler
RELAY = "travellr.relay"  # the app extension holding the embedded relay's thread
celery_app = Celery("travellr", include=["travellr.workers.tasks"], task_cls=PostponedOnOutage)
before_task_publish.connect(stamp_request_id, weak=False)
task_prerun.connect(bind_request_id, weak=False)
task_postrun.connect(unbind_request_id, weak=False)


def configure(settings: Settings, services: Services | None = None) -> Celery:
    """Point the Celery app at the broker (or run tasks eagerly) and give tasks their services."""
    eager = settings.broker_url is None
    celery_app.conf.update(
        # Never contacted (tasks run eagerly); the host is named so kombu does not warn.
        broker_url=settings.broker_url or "memory://localhost/",
        # Redis redelivers a task whose worker died only after this many seconds.
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        task_default_queue=settings.task_queue,
        # The webhook sender's tasks have their own queue (`travellr worker --queue`), so
        # receivers that hang never delay the events' handlers.
        task_routes={"travellr.deliver_webhooks": {"queue": settings.webhook_task_queue}},
        task_always_eager=eager,
        task_eager_propagates=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        result_backend=None,
        timezone="UTC",
        enable_utc=True,
        beat_schedule=beat_schedule(settings),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    installed = services or build(settings)
    installed.webhooks.on_due.append(lambda: webhook_sender.kick(installed))
    runtime.install(installed)
    return celery_app


def attach(app: Flask) -> None:
    """Run the workers' side of an API process: committed events kick the outbox relay, and
    without a broker (where the relay runs on a thread of the process) the embedded scheduler
    is made ready for the server to start."""
    from travellr.workers.tasks import JOBS, relay_outbox

    services: Services = app.extensions["travellr"]
    configure(services.settings, services)
    if services.settings.broker_url is None:
        relay = BackgroundLoop("outbox-relay", lambda: relay_outbox() or 0)
        services.events.after_commit(lambda _events: relay.kick())
        app.extensions[RELAY] = relay
        # Started in each server process by the gunicorn hooks (never in the forking master).
        app.extensions[SCHEDULER] = EmbeddedScheduler(
            services.job_runs,
            services.scheduler_lease,
            job_schedules(services.settings),
            JOBS,
            outage_of=services.outage_of,
        )
        return
    # A request waits on its kick: a broker that does not answer must not hold it long, so
    # one try (kombu would sleep 2 s and try again), a short connect and, for Redis, read.
    options = {**celery_app.conf.broker_transport_options, "max_retries": 0}
    if services.settings.broker_url.startswith("redis"):
        options["socket_timeout"] = BROKER_TIMEOUT
    celery_app.conf.broker_transport_options = options
    celery_app.conf.broker_connection_timeout = BROKER_TIMEOUT
    services.events.after_commit(RelayKick(lambda: relay_outbox.apply_async(retry=False)))


class RelayKick:
    """After a commit, ask the workers to relay the outbox, at most once per KICK_INTERVAL:
    with a broker, beat also relays every OUTBOX_RELAY_SECONDS, so a kick only saves time.

    A broker that does not answer is logged once, and left alone for BROKER_REST seconds, so
    requests go on at full speed; their events wait in the outbox (committed with the change)
    and leave when beat's next relay reaches the broker. Its return is logged once too.
    """

    def __init__(
        self, send: Callable[[], object], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._send = send
        self._clock = clock
        self._next_kick = 0.0
        self._broker_down = False

    def __call__(self, _events: object) -> None:
        now = self._clock()
        if now < self._next_kick:
            return
        self._next_kick = now + KICK_INTERVAL
        try:
            self._send()
        except BrokerError as error:
            self._next_kick = now + BROKER_REST
            if not self._broker_down:
                self._broker_down = True
                log.warning(
                    "broker does not answer: committed events wait in the outbox until it does",
                    extra={"reason": f"{type(error).__name__}: {error}"},
                )
            return
        if self._broker_down:
            self._broker_down = False
            log.warning("broker answers again: committed events leave the outbox")
