"""The Celery Beat schedule, from configuration."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from travellr.config import Settings, cron_schedule


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "relay-outbox": {
            "task": "travellr.relay_outbox",
            "schedule": timedelta(seconds=settings.relay_interval_seconds),
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
            "schedule": cron_schedule("PAYOUT_SCHEDULE", settings.payout_schedule),
        },
        "archive-bookings": {
            "task": "travellr.archive_bookings",
            "schedule": cron_schedule("PURGE_SCHEDULE", settings.purge_schedule),
        },
        "purge-expired": {
            "task": "travellr.purge_expired",
            "schedule": cron_schedule("PURGE_SCHEDULE", settings.purge_schedule),
        },
    }
