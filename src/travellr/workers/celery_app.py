"""The Celery application, configured from the same Settings as the API.

With `BROKER_URL` set (Redis or RabbitMQ), tasks go to the broker and `travellr worker` /
`travellr beat` run them. Without it (the embedded default) the same tasks run in-process,
right after the commit that caused them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun
from flask import Flask

from travellr.bootstrap import build
from travellr.config import Settings
from travellr.workers import runtime
from travellr.workers.embedded_scheduler import EmbeddedScheduler
from travellr.workers.request_ids import bind_request_id, stamp_request_id, unbind_request_id
from travellr.workers.schedule import beat_schedule, job_schedules

if TYPE_CHECKING:
    from travellr.bootstrap import Services

KICK_INTERVAL = 0.25  # seconds
SCHEDULER = "travellr.scheduler"  # the app extension holding the embedded scheduler
celery_app = Celery("travellr", include=["travellr.workers.tasks"])
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
    runtime.install(services or build(settings))
    return celery_app


def attach(app: Flask) -> None:
    """Run the workers' side of an API process: committed events kick the outbox relay, and
    without a broker the embedded scheduler is made ready for the server to start."""
    from travellr.workers.tasks import JOBS, relay_outbox

    services: Services = app.extensions["travellr"]
    configure(services.settings, services)
    if services.settings.broker_url is None:
        services.events.after_commit(lambda _events: relay_outbox.delay())
        # Started in each server process by the gunicorn hooks (never in the forking master).
        app.extensions[SCHEDULER] = EmbeddedScheduler(
            services.job_runs, services.scheduler_lease, job_schedules(services.settings), JOBS
        )
        return
    # With a broker, beat also relays every OUTBOX_RELAY_SECONDS: one kick per process per
    # KICK_INTERVAL is enough, and spares a broker round trip on most requests.
    last_kick = [0.0]

    def kick(_events: object) -> None:
        now = time.monotonic()
        if now - last_kick[0] >= KICK_INTERVAL:
            last_kick[0] = now
            relay_outbox.delay()

    services.events.after_commit(kick)
