"""The Celery tasks. Arguments are ids and plain values, never ORM objects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from celery import Task
from celery.utils.time import get_exponential_backoff_interval

from travellr.application import jobs
from travellr.application.ports.outbox import OutboxEvent
from travellr.observability import metrics
from travellr.workers import job_runs, runtime, webhook_sender
from travellr.workers.celery_app import celery_app
from travellr.workers.dispatch import HandlerFailed, handlers_for

log = logging.getLogger("travellr.workers")
# A retry waits (exponential backoff, full jitter) at most RETRY_WAIT_MAX, and always less than
# the broker's visibility timeout: Redis would hand a task waiting longer to another worker,
# again and again. 30 retries span about 15 minutes; then the last attempt gives up, and says so.
MAX_RETRIES = 30
RETRY_WAIT_MAX = 40  # seconds


def _retry_wait(retries: int, visibility_timeout: int) -> int:
    longest = max(1, min(RETRY_WAIT_MAX, visibility_timeout * 4 // 5))
    wait: int = get_exponential_backoff_interval(1, retries + 1, longest, full_jitter=True)
    return wait


def _now() -> datetime:
    return datetime.now(UTC)


@celery_app.task(name="travellr.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Publish committed events from the outbox to the broker, oldest first."""
    services = runtime.services()

    def publish(event: OutboxEvent) -> None:
        handle_event.apply_async(args=[str(event.event_id)])
        metrics.EVENTS_RELAYED.labels(event=event.name).inc()

    republish_after = timedelta(seconds=services.settings.outbox_republish_seconds)
    return services.outbox.relay(publish, now=_now(), republish_after=republish_after)


@celery_app.task(
    bind=True, name="travellr.handle_event", ignore_result=True, max_retries=MAX_RETRIES
)
def handle_event(self: Task, event_id: str) -> None:
    """Run every handler of an event once, after the older events of its aggregate."""
    services = runtime.services()
    outbox = services.outbox
    event = outbox.load_event(UUID(event_id))
    if event is None:
        log.warning("event not in the outbox", extra={"event_id": event_id})
        return
    if not self.request.is_eager and outbox.earlier_unhandled(event):
        # Waiting for an older event of the same aggregate is not a failure: queue a fresh
        # task rather than spend this one's retries.
        handle_event.apply_async(args=[event_id], countdown=1)
        return
    final = self.request.retries >= self.max_retries
    for name, handler in handlers_for(event.name):
        if outbox.was_handled(event.event_id, name):
            continue
        try:
            handler(event, services=services, now=_now(), final_attempt=final)
        except HandlerFailed as failure:
            metrics.EVENTS_FAILED.labels(event=event.name).inc()
            wait = _retry_wait(self.request.retries, services.settings.broker_visibility_timeout)
            raise self.retry(exc=failure, countdown=wait) from failure
        outbox.record_handled(event.event_id, name, now=_now())
    outbox.mark_handled(event, now=_now())


@celery_app.task(name="travellr.expire_bookings", ignore_result=True)
def expire_bookings() -> dict[str, int]:
    """Release the seats of unpaid bookings whose hold has run out."""
    services = runtime.services()
    now = _now()
    overdue = services.job_queries.overdue_pending(now)
    return {"expired": jobs.expire_bookings(overdue, new_uow=services.new_uow, now=now)}


@celery_app.task(name="travellr.retry_stale_charges", ignore_result=True)
def retry_stale_charges() -> dict[str, int]:
    """Send again the charges whose answer never came, under the same key."""
    services = runtime.services()
    now = _now()
    stale = services.job_queries.stale_charges(
        attempted_before=now - jobs.CHARGE_ANSWER_WAIT,
        attempted_after=now - jobs.CHARGE_RETRY_WINDOW,
    )
    settled = jobs.retry_stale_charges(
        stale, new_uow=services.new_uow, gateway=services.gateway, now=now
    )
    return {"settled": settled}


@celery_app.task(name="travellr.complete_bookings", ignore_result=True)
def complete_bookings() -> dict[str, int]:
    """Complete confirmed bookings whose trip has taken place."""
    services = runtime.services()
    now = _now()
    finished = services.job_queries.finished_confirmed(now)
    return {"completed": jobs.complete_bookings(finished, new_uow=services.new_uow, now=now)}


@celery_app.task(name="travellr.pay_vendors", ignore_result=True)
def pay_vendors() -> dict[str, int]:
    """Pay every vendor whose available balance reaches the payout minimum."""
    services = runtime.services()
    now = _now()
    vendors = services.job_queries.vendors_with_takings()
    paid = jobs.pay_vendors(
        vendors,
        new_uow=services.new_uow,
        gateway=services.payouts,
        commission=services.commission,
        today=now.date(),
        now=now,
    )
    return {"paid": paid}


@celery_app.task(name="travellr.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, int]:
    """Delete expired idempotency keys, revoked-token records and rate-limit counters."""
    return runtime.services().job_queries.purge_expired(_now())


@celery_app.task(name="travellr.archive_bookings", ignore_result=True)
def archive_bookings() -> dict[str, int]:
    """Move old bookings that no money touched into the archive table, batch by batch."""
    services = runtime.services()
    now = _now()
    older_than = now - timedelta(days=services.settings.archive_after_days)
    archive = services.job_queries.archive_bookings
    moved = total = archive(older_than=older_than, now=now)
    while moved:
        moved = archive(older_than=older_than, now=now)
        total += moved
    return {"archived": total}


@celery_app.task(name="travellr.run_job", ignore_result=True)
def run_job(name: str) -> dict[str, int]:
    """Run one scheduled job by name and record the run: what beat queues."""
    return job_runs.run_recorded(name, JOBS[name], runtime.services().job_runs)


@celery_app.task(name="travellr.deliver_webhooks", ignore_result=True)
def deliver_webhooks() -> int:
    """Make one attempt at each webhook delivery that is due (claimed first: never twice)."""
    return webhook_sender.send_due(runtime.services())


def _relay_outbox_job() -> dict[str, int]:
    return {"published": relay_outbox()}


def _deliver_webhooks_job() -> dict[str, int]:
    return {"attempted": deliver_webhooks()}


# The scheduled jobs by the names `travellr jobs` and the schedule use.
JOBS: dict[str, Callable[[], dict[str, int]]] = {
    "relay-outbox": _relay_outbox_job,
    "deliver-webhooks": _deliver_webhooks_job,
    "expire-holds": expire_bookings,
    "retry-charges": retry_stale_charges,
    "complete-bookings": complete_bookings,
    "pay-vendors": pay_vendors,
    "purge": purge_expired,
    "archive": archive_bookings,
}
