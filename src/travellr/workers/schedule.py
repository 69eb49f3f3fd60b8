"""The Celery Beat schedule, from configuration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery.schedules import crontab

from travellr.config import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "relay-outbox": {
            "task": "travellr.relay_outbox",
            "schedule": timedelta(seconds=settings.relay_interval_seconds),
        },
        "deliver-webhooks": {
            "task": "travellr.deliver_webhooks",
            "schedule": timedelta(seconds=settings.webhook_delivery_seconds),
        },
        "expire-bookings": {
            "task": "travellr.expire_bookings",
            "schedule": timedelta(seconds=settings.expire_interval_seconds),
        },
        "retry-stale-charges": {
            "task": "travellr.retry_stale_charges",
            "schedule": timedelta(seconds=settings.expire_interval_seconds),
        },
        "complete-bookings": {
            "task": "travellr.complete_bookings",
            "schedule": timedelta(seconds=settings.complete_interval_seconds),
        },
        "pay-vendors": {
            "task": "travellr.pay_vendors",
            "schedule": _cron(settings.payout_schedule),
        },
        "archive-bookings": {
            "task": "travellr.archive_bookings",
            "schedule": _cron(settings.purge_schedule),
        },
        "purge-expired": {
            "task": "travellr.purge_expired",
            "schedule": _cron(settings.purge_schedule),
        },
    }


def _cron(expression: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = expression.split()
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )
