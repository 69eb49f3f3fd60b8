"""Where the webhook sender runs: a Celery task with a broker; without one (the embedded
default) a background thread of the process, so that a slow endpoint never holds a request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from travellr.application import webhooks
from travellr.workers.background import BackgroundLoop

if TYPE_CHECKING:
    from travellr.bootstrap import Services


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


_background: dict[int, tuple[Services, BackgroundLoop]] = {}


def kick(services: Services) -> None:
    """Have the due deliveries sent soon, without waiting here for any of them."""
    if services.settings.broker_url is not None:
        from travellr.workers.tasks import deliver_webhooks

        deliver_webhooks.delay()
        return
    entry = _background.get(id(services))
    if entry is None:
        sender = BackgroundLoop(
            "webhook-sender", lambda: send_due(services), services.webhooks.store.next_due
        )
        entry = _background.setdefault(id(services), (services, sender))
    entry[1].kick()
