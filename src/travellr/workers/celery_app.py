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
from travellr.workers import runtime, webhook_sender
from travellr.workers.request_ids import bind_request_id, stamp_request_id, unbind_request_id
from travellr.workers.schedule import beat_schedule

if TYPE_CHECKING:
    from travellr.bootstrap import Services

KICK_INTERVAL = 0.25  # seconds
celery_app = Celery("travellr", include=["travellr.workers.tasks"])
before_task_publish.connect(stamp_request_id, weak=False)
task_prerun.connect(bind_request_id, weak=False)
task_postrun.connect(unbind_request_id, weak=False)


def configure(settings: Settings, services: Services | None = None) -> Celery:
    """Point the Celery app at the broker (or run tasks eagerly) and give tasks their services."""
    eager = settings.broker_url is None
    celery_app.conf.update(
        broker_url=settings.broker_url or "memory://",
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
    installed = services or build(settings)
    installed.webhooks.on_due.append(lambda: webhook_sender.kick(installed))
    runtime.install(installed)
    return celery_app


def attach(app: Flask) -> None:
    """Run the workers' side of an API process: committed events kick the outbox relay."""
    from travellr.workers.tasks import relay_outbox

    services: Services = app.extensions["travellr"]
    configure(services.settings, services)
    if services.settings.broker_url is None:
        services.events.after_commit(lambda _events: relay_outbox.delay())
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
