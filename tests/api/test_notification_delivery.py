"""Events from the outbox, handed to `notify` with the SQL store: the people concerned hear of
them on their channels, once, with progress recorded in the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from flask import Flask
from sqlalchemy import select

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip
from tests.support.notifications import FakeSender
from travellr.application.notifications import notify
from travellr.application.ports.notifications import Senders, UnregisteredDevice
from travellr.domain.notifications import Channel, DeliveryStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.notifications import SqlNotificationStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _events(app: Flask, name: str) -> list[tuple[UUID, dict[str, Any]]]:
    with app.extensions["travellr"].engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.event_id, tables.outbox.c.payload).where(
                tables.outbox.c.name == name
            )
        ).all()
    return [(row.event_id, json.loads(row.payload)) for row in rows]


def test_a_paid_booking_reaches_traveller_and_vendor_once(api: Api, app: Flask) -> None:
    vendor, traveller = api.register(role="vendor", name="Vic"), api.register(name="Ann")
    trip = make_trip(api, vendor, title="Fjords by boat", price="75.00")
    api.client.post(
        "/api/v1/users/me/devices",
        json={"token": "ann-phone", "platform": "ios"},
        headers=Api.auth(traveller),
    )
    book_paid(api, traveller, trip, seats=2)
    store = SqlNotificationStore(app.extensions["travellr"].session_factory)
    senders = Senders(email=FakeSender(), sms=FakeSender(), push=FakeSender())
    [(event_id, payload)] = _events(app, "booking.confirmed")

    first = notify(event_id, "booking.confirmed", payload, store=store, senders=senders, now=NOW)
    again = notify(event_id, "booking.confirmed", payload, store=store, senders=senders, now=NOW)

    assert isinstance(senders.email, FakeSender)
    assert isinstance(senders.push, FakeSender)
    emails = {to: (subject, text) for to, subject, text, _html in senders.email.sent}
    assert set(emails) == {traveller["user"]["email"], vendor["user"]["email"]}
    subject, text = emails[traveller["user"]["email"]]
    assert subject == "Booking confirmed: Fjords by boat"
    assert "Hello Ann," in text
    assert "150.00 USD" in text
    assert [token for token, *_ in senders.push.sent] == ["ann-phone"]
    assert len(first) == len(again) == 3
    assert {d.status for d in store.deliveries(event_id)} == {DeliveryStatus.DELIVERED}


def test_a_dead_push_token_is_forgotten_and_the_failure_recorded(api: Api, app: Flask) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    api.client.put(
        "/api/v1/users/me/notification-preferences",
        json={"email": False},
        headers=Api.auth(traveller),
    )
    api.client.post(
        "/api/v1/users/me/devices",
        json={"token": "dead-token", "platform": "android"},
        headers=Api.auth(traveller),
    )
    book_paid(api, traveller, make_trip(api, vendor))
    store = SqlNotificationStore(app.extensions["travellr"].session_factory)
    push = FakeSender(fail={"dead-token": UnregisteredDevice("UNREGISTERED")})
    senders = Senders(email=FakeSender(), sms=FakeSender(), push=push)
    [(event_id, payload)] = _events(app, "booking.created")

    notify(event_id, "booking.created", payload, store=store, senders=senders, now=NOW)

    user_id = UUID(traveller["user"]["id"])
    [record] = [d for d in store.deliveries(event_id) if d.user_id == user_id]
    assert (record.channel, record.status, record.attempts) == (
        Channel.PUSH, DeliveryStatus.FAILED, 1
    )  # fmt: skip
    assert record.error == "UNREGISTERED"
    recipient = store.recipient(user_id)
    assert recipient is not None
    assert recipient.device_tokens == ()
