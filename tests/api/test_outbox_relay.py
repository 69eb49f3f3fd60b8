"""The outbox relay's claims, with a second relay running while the first one publishes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from flask import Flask
from sqlalchemy import update

from tests.api.conftest import Api
from tests.api.factories import book, make_trip
from travellr.application.ports.outbox import OutboxEvent
from travellr.infrastructure.db import tables

REPUBLISH_AFTER = timedelta(minutes=5)


def _relay_while_another_relays(app: Flask, now: datetime) -> tuple[list[UUID], list[UUID]]:
    """What a first relay publishes, and what a second one started during its first publish."""
    outbox = app.extensions["travellr"].outbox
    first: list[UUID] = []
    second: list[UUID] = []

    def publish(event: OutboxEvent) -> None:
        first.append(event.event_id)
        if len(first) == 1:
            outbox.relay(
                lambda other: second.append(other.event_id),
                now=now,
                republish_after=REPUBLISH_AFTER,
            )

    outbox.relay(publish, now=now, republish_after=REPUBLISH_AFTER)
    return first, second


def test_an_event_is_published_by_one_relay_at_a_time(app: Flask, api: Api) -> None:
    book(api, api.register(), make_trip(api, api.register("vendor")))

    first, second = _relay_while_another_relays(app, datetime.now(UTC))

    assert first
    assert second == []


def test_a_lost_event_sent_again_is_not_sent_by_a_second_relay_meanwhile(
    app: Flask, api: Api
) -> None:
    book(api, api.register(), make_trip(api, api.register("vendor")))
    now = datetime.now(UTC)
    with app.extensions["travellr"].engine.begin() as connection:  # published, never handled
        connection.execute(
            update(tables.outbox).values(published_at=now - timedelta(hours=1), claimed_at=None)
        )

    first, second = _relay_while_another_relays(app, now)

    assert first
    assert second == []


def test_a_lost_event_is_sent_again_once_its_last_send_is_over(app: Flask, api: Api) -> None:
    book(api, api.register(), make_trip(api, api.register("vendor")))
    now = datetime.now(UTC)
    sent_a_minute_ago = now - timedelta(minutes=1)  # within CLAIM_TIMEOUT, by a relay now done
    engine = app.extensions["travellr"].engine
    with engine.begin() as connection:
        connection.execute(
            update(tables.outbox).values(
                claimed_at=sent_a_minute_ago, published_at=sent_a_minute_ago
            )
        )
    sent: list[UUID] = []

    app.extensions["travellr"].outbox.relay(
        lambda event: sent.append(event.event_id),
        now=now,
        republish_after=timedelta(seconds=30),
    )

    assert sent
