"""Events from the outbox reach the subscribed endpoints: made by the outbox handler, sent by
the sender job to real HTTP servers on 127.0.0.1, retried, given up on, and disabling."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip, payment_of
from tests.api.webhook_support import (
    ENDPOINTS,
    deliveries,
    fan_out_events,
    register,
    send,
    verify,
)
from tests.support.webhook_receiver import Receiver
from travellr.domain.webhooks import RETRY_DELAYS
from travellr.infrastructure.db import tables
from travellr.infrastructure.webhooks.poster import Urllib3Poster


def test_a_paid_booking_reaches_its_vendor_and_admins_as_the_api_renders_it(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor, other_vendor, admin = api.register("vendor"), api.register("vendor"), api.admin()
    own = register(api, vendor, receivers[0].url)
    others = register(api, other_vendor, receivers[1].url)
    admins = register(api, admin, receivers[2].url, ["booking.confirmed"])
    traveller = api.register()
    booking = book_paid(api, traveller, make_trip(api, vendor), seats=2)

    fan_out_events(app)
    send(app)

    payloads = [verify(received, own["secret"]) for received in receivers[0].received]
    by_type = {payload["type"]: payload for payload in payloads}
    assert sorted(by_type) == ["booking.confirmed", "booking.created", "payment.succeeded"]
    shown_booking = api.client.get(
        f"/api/v1/bookings/{booking['id']}", headers=api.auth(vendor)
    ).get_json()
    assert by_type["booking.confirmed"]["data"] == shown_booking
    payment = payment_of(api, traveller, booking)
    assert by_type["payment.succeeded"]["data"] == payment
    for received in receivers[0].received:
        assert received.headers["webhook-id"] == verify(received, own["secret"])["id"]
    assert receivers[1].received == []  # another vendor's booking: never
    [confirmed] = [verify(received, admins["secret"]) for received in receivers[2].received]
    assert confirmed["type"] == "booking.confirmed"
    assert confirmed["id"] == by_type["booking.confirmed"]["id"]
    assert deliveries(api, other_vendor, others)["items"] == []


def test_an_event_reaches_each_endpoint_once_however_often_it_is_handled(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    book_paid(api, api.register(), make_trip(api, vendor))

    fan_out_events(app)
    fan_out_events(app)  # a redelivered event
    first, second = send(app), send(app)

    ids = [received.headers["webhook-id"] for received in receivers[0].received]
    assert (first, second) == (3, 0)
    assert len(ids) == len(set(ids)) == 3
    items = deliveries(api, vendor, endpoint)["items"]
    assert sorted(item["event_id"] for item in items) == sorted(ids)
    assert {item["status"] for item in items} == {"succeeded"}


def test_an_endpoint_only_gets_the_event_types_it_chose(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor = api.register("vendor")
    register(api, vendor, receivers[0].url, ["payment.succeeded"])
    register(api, vendor, receivers[1].url, ["booking.cancelled"])
    book_paid(api, api.register(), make_trip(api, vendor))

    fan_out_events(app)
    send(app)

    assert [r.headers["webhook-id"] != "" for r in receivers[0].received] == [True]
    assert receivers[1].received == []


def test_a_delivery_failing_every_attempt_ends_failed_and_can_be_retried_by_hand(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    receiver = receivers[0]
    receiver.statuses = [500]
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url)
    api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))
    at = datetime.now(UTC)

    sent = [send(app, at)]
    for delay in RETRY_DELAYS:
        at += delay
        sent.append(send(app, at))
    later = send(app, at + timedelta(days=1))

    assert sent == [1] * 8
    assert later == 0
    [failed] = deliveries(api, vendor, endpoint, status="failed")["items"]
    assert (failed["attempts"], failed["last_status_code"]) == (8, 500)
    assert failed["next_attempt_at"] is None
    assert "500" in failed["last_error"]
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1

    receiver.statuses = [200]
    retried = api.client.post(
        f"{ENDPOINTS}/{endpoint['id']}/deliveries/{failed['id']}/retry", headers=api.auth(vendor)
    )
    assert retried.status_code == 202
    assert send(app) == 1
    [done] = deliveries(api, vendor, endpoint)["items"]
    assert (done["status"], done["attempts"]) == ("succeeded", 9)


def test_an_endpoint_failing_every_delivery_for_three_days_is_disabled(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    receivers[0].statuses = [500]
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    test_url = f"{ENDPOINTS}/{endpoint['id']}/test"
    api.client.post(test_url, headers=api.auth(vendor))
    start = datetime.now(UTC)
    assert send(app, start) == 1
    api.client.post(test_url, headers=api.auth(vendor))

    send(app, start + timedelta(days=3) - timedelta(seconds=1))
    still_enabled = api.client.get(f"{ENDPOINTS}/{endpoint['id']}", headers=api.auth(vendor))
    api.client.post(test_url, headers=api.auth(vendor))
    send(app, start + timedelta(days=3))
    disabled = api.client.get(f"{ENDPOINTS}/{endpoint['id']}", headers=api.auth(vendor))
    received = len(receivers[0].received)
    api.client.post(test_url, headers=api.auth(vendor))

    assert still_enabled.get_json()["enabled"] is True
    assert disabled.get_json()["enabled"] is False
    assert disabled.get_json()["disabled_at"] is not None
    assert send(app, start + timedelta(days=4)) == 0  # a disabled endpoint gets nothing
    assert len(receivers[0].received) == received

    receivers[0].statuses = [200]
    enabled = api.client.put(
        f"{ENDPOINTS}/{endpoint['id']}", json={"enabled": True}, headers=api.auth(vendor)
    )
    assert enabled.get_json()["disabled_at"] is None
    assert send(app, start + timedelta(days=4)) == 4  # what waited goes out again
    assert {d["status"] for d in deliveries(api, vendor, endpoint)["items"]} == {"succeeded"}


def test_a_success_restarts_the_three_days(api: Api, app: Flask, receivers: list[Receiver]) -> None:
    receivers[0].statuses = [500, 200, 500]
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    test_url = f"{ENDPOINTS}/{endpoint['id']}/test"
    api.client.post(test_url, headers=api.auth(vendor))
    start = datetime.now(UTC)
    for at in (start, start + timedelta(days=1), start + timedelta(days=3)):
        send(app, at)
        api.client.post(test_url, headers=api.auth(vendor))

    shown = api.client.get(f"{ENDPOINTS}/{endpoint['id']}", headers=api.auth(vendor))
    assert shown.get_json()["enabled"] is True


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    receivers[0].statuses = [302]
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))

    send(app)

    [delivery] = deliveries(api, vendor, endpoint)["items"]
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", 302)
    assert len(receivers[0].received) == 1


def test_a_big_answer_is_read_in_part_and_stored_truncated(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    receivers[0].statuses = [500]
    receivers[0].answer_body = b"x" * 300_000
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))

    send(app)

    with app.extensions["travellr"].engine.connect() as connection:
        stored = connection.scalar(select(tables.webhook_deliveries.c.last_response))
    assert stored == "x" * 1000


def test_a_receiver_that_never_answers_fails_the_attempt(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    services = app.extensions["travellr"]
    services.webhooks = replace(services.webhooks, poster=Urllib3Poster(timeout=0.5))
    receivers[0].hang = True
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))

    send(app)

    [delivery] = deliveries(api, vendor, endpoint)["items"]
    assert delivery["status"] == "pending"
    assert delivery["last_status_code"] is None
    assert "timed out" in delivery["last_error"].lower()


def test_deliveries_are_listed_by_status_and_type_in_cursor_pages(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    for _ in range(3):
        api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))
    book_paid(api, api.register(), make_trip(api, vendor))
    fan_out_events(app)

    first = deliveries(api, vendor, endpoint, event_type="ping", limit=2)
    second = deliveries(
        api, vendor, endpoint, event_type="ping", limit=2, cursor=first["next_cursor"]
    )
    pending = deliveries(api, vendor, endpoint, status="pending")["items"]
    bad = api.client.get(
        f"{ENDPOINTS}/{endpoint['id']}/deliveries",
        query_string={"event_type": "booking.eaten"},
        headers=api.auth(vendor),
    )

    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert {item["event_type"] for item in first["items"] + second["items"]} == {"ping"}
    assert len(pending) == 6
    assert deliveries(api, vendor, endpoint, status="succeeded")["items"] == []
    assert bad.status_code == 422
    assert "event_type" in bad.get_json()["errors"]


def test_a_trip_edit_reaches_its_vendor_as_the_trip_is_shown(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor, other_vendor = api.register("vendor"), api.register("vendor")
    own = register(api, vendor, receivers[0].url, ["trip.updated"])
    register(api, other_vendor, receivers[1].url, ["trip.updated"])
    trip = make_trip(api, vendor)
    edited = api.client.put(
        f"/api/v1/trips/{trip['id']}", json={"title": "Fjords by kayak"}, headers=api.auth(vendor)
    )
    assert edited.status_code == 200

    fan_out_events(app)
    send(app)

    [update] = [verify(received, own["secret"]) for received in receivers[0].received]
    assert update["type"] == "trip.updated"
    assert update["data"] == api.client.get(f"/api/v1/trips/{trip['id']}").get_json()
    assert update["data"]["title"] == "Fjords by kayak"
    assert receivers[1].received == []


def test_two_senders_at_once_never_make_the_same_attempt(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    """Without the claim both senders would read the same due rows and post each of them
    twice: the receiver's pause keeps the first sender's posts in flight while the second
    one looks for work."""
    receivers[0].pause = 0.2
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    for _ in range(12):
        api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))
    now = datetime.now(UTC)

    with ThreadPoolExecutor(2) as senders:
        counts = list(senders.map(lambda _: send(app, now), range(2)))

    ids = [received.headers["webhook-id"] for received in receivers[0].received]
    assert sum(counts) == 12
    assert len(ids) == len(set(ids)) == 12


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_an_event_handled_while_its_endpoint_is_deleted_skips_it(
    api: Api, app: Flask, receivers: list[Receiver]
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receivers[0].url)
    book_paid(api, api.register(), make_trip(api, vendor))
    services = app.extensions["travellr"]
    deleting = services.new_uow()
    with deleting, ThreadPoolExecutor(1) as pool:
        deleting.webhook_endpoints.get_for_update(UUID(endpoint["id"]))
        deleting.webhook_endpoints.delete(UUID(endpoint["id"]))
        handled = pool.submit(fan_out_events, app)  # waits on the deletion's lock
        with pytest.raises(TimeoutError):
            handled.result(timeout=0.5)
        deleting.commit()
        handled.result(timeout=10)

    with services.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(tables.webhook_deliveries)) == 0
