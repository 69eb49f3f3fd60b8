"""Every scheduled job's schedule, from configuration: Celery Beat and the embedded scheduler
both read it, so a job runs on the same schedule with or without a broker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from celery.schedules import crontab

from travellr.config import Settings, cron_schedule

Schedule: TypeAlias = timedelta | crontab


def job_schedules(settings: Settings) -> dict[str, Schedule]:
    """Job name (as `travellr jobs run` takes it) -> how often, or when, it runs."""
    return {
        "relay-outbox": timedelta(seconds=settings.relay_interval_seconds),
        "deliver-webhooks": timedelta(seconds=settings.webhook_delivery_seconds),
        "expire-holds": timedelta(seconds=settings.expire_interval_seconds),
        "retry-charges": timedelta(seconds=settings.expire_interval_seconds),
        "complete-bookings": timedelta(seconds=settings.complete_interval_seconds),
        "pay-vendors": cron("PAYOUT_SCHEDULE", settings.payout_schedule),
        "archive": cron("PURGE_SCHEDULE", settings.purge_schedule),
        "purge": cron("PURGE_SCHEDULE", settings.purge_schedule),
    }


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Beat queues `run_job` with the job's name: the worker runs and records it. The webhook
    sender's run goes to its own queue, as its task does."""
    queues = {"deliver-webhooks": settings.webhook_task_queue}
    return {
        name: {
            "task": "travellr.run_job",
            "schedule": schedule,
            "args": (name,),
            "options": {"queue": queues.get(name, settings.task_queue)},
        }
        for name, schedule in job_schedules(settings).items()
    }


def next_run(schedule: Schedule, last_started: datetime | None, now: datetime) -> datetime:
    """When a job last started at `last_started` is next due (now when it never ran)."""
    if last_started is None:
        return now
    if isinstance(schedule, timedelta):
        return last_started + schedule
    # Celery's own arithmetic: the first time the cron matches after `last_started`.
    start, delta, _now = schedule.remaining_delta(last_started)
    due: datetime = start + delta
    return due


def describe(schedule: Schedule) -> str:
    """`every 60 s` or `cron 0 6 * * 1 (UTC)`, for `travellr jobs list`."""
    if isinstance(schedule, timedelta):
        return f"every {int(schedule.total_seconds())} s"
    fields = (
        schedule._orig_minute,
        schedule._orig_hour,
        schedule._orig_day_of_month,
        schedule._orig_month_of_year,
        schedule._orig_day_of_week,
    )
    return "cron " + " ".join(str(field) for field in fields) + " (UTC)"


def utcnow() -> datetime:
    return datetime.now(UTC)


def cron(name: str, expression: str) -> crontab:
    """The setting `name`'s cron, parsed (and validated) by Celery's own parser."""
    parsed = cron_schedule(name, expression)
    return crontab(
        minute=parsed._orig_minute,
        hour=parsed._orig_hour,
        day_of_month=parsed._orig_day_of_month,
        month_of_year=parsed._orig_month_of_year,
        day_of_week=parsed._orig_day_of_week,
        nowfun=utcnow,  # a module function: beat pickles the schedule into its file
    )
