"""The Idempotency-Key header: the first response is replayed, once per caller and key."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    DECLINED,
    PAYMENTS,
    VISA,
    book,
    book_paid,
    get_trip,
    make_trip,
    payment_of,
    payments_of,
)
from travellr.api.http.idempotency import _fingerprint


def _post(
    client: FlaskClient, url: str, body: dict[str, Any], account: dict[str, Any], key: str
) -> Any:
    return client.post(url, json=body, headers={**Api.auth(account), "Idempotency-Key": key})


def _bookings(client: FlaskClient, account: dict[str, Any]) -> list[Any]:
    return list(client.get(BOOKINGS, headers=Api.auth(account)).get_json()["items"])


def test_the_same_key_and_body_replays_the_first_booking(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"], "seats": 2}

    first = _post(client, BOOKINGS, body, traveller, "book-1")
    again = _post(client, BOOKINGS, body, traveller, "book-1")

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(_bookings(client, traveller)) == 1
    assert get_trip(api, trip)["seats_left"] == 8


def test_the_same_key_with_another_body_is_422(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    _post(client, BOOKINGS, {"trip_id": trip["id"], "seats": 1}, traveller, "book-2")

    response = _post(client, BOOKINGS, {"trip_id": trip["id"], "seats": 3}, traveller, "book-2")

    assert response.status_code == 422
    assert response.get_json()["code"] == "idempotency_key_reused"
    assert get_trip(api, trip)["seats_left"] == 9


def test_a_key_belongs_to_its_caller(api: Api, client: FlaskClient) -> None:
    one, two = api.register(), api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"]}

    first = _post(client, BOOKINGS, body, one, "shared-key")
    second = _post(client, BOOKINGS, body, two, "shared-key")

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert first.get_json()["id"] != second.get_json()["id"]
    assert second.get_json()["user_id"] == two["user"]["id"]
    assert get_trip(api, trip)["seats_left"] == 8


def test_a_declined_booking_is_replayed_too(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"], "payment_method": DECLINED}

    first = _post(client, BOOKINGS, body, traveller, "declined")
    again = _post(client, BOOKINGS, body, traveller, "declined")

    assert first.status_code == again.status_code == 402
    assert again.get_json() == first.get_json()
    assert again.mimetype == "application/problem+json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(_bookings(client, traveller)) == 1
    (payment,) = payments_of(api, traveller, {"id": first.get_json()["booking_id"]})
    assert payment["status"] == "failed"


def test_a_payment_with_a_key_charges_once(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")))
    body = {"booking_id": booking["id"], "payment_method": VISA}

    first = _post(client, PAYMENTS, body, traveller, "pay-1")
    again = _post(client, PAYMENTS, body, traveller, "pay-1")

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [p["id"] for p in payments_of(api, traveller, booking)] == [first.get_json()["id"]]


def test_a_refund_with_a_key_is_made_once(api: Api, client: FlaskClient) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book_paid(api, traveller, make_trip(api, vendor))
    payment = payment_of(api, traveller, booking)
    url = f"{PAYMENTS}/{payment['id']}/refund"

    first = _post(client, url, {"amount": "40.00"}, vendor, "refund-1")
    again = _post(client, url, {"amount": "40.00"}, vendor, "refund-1")
    other = _post(client, url, {"amount": "40.00"}, vendor, "refund-2")

    assert first.status_code == again.status_code == other.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.get_json()["id"] != first.get_json()["id"]
    assert payment_of(api, traveller, booking)["amount_refunded"] == "80.00"


@pytest.mark.parametrize("key", ["k" * 256, "has space", "tab\tkey", ""])
def test_a_malformed_key_is_422_and_books_nothing(api: Api, client: FlaskClient, key: str) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    response = _post(client, BOOKINGS, {"trip_id": trip["id"]}, traveller, key)

    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert _bookings(client, traveller) == []


def test_a_key_of_255_printable_characters_is_accepted(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    key = "~!" * 127 + "x"

    first = _post(client, BOOKINGS, {"trip_id": trip["id"]}, traveller, key)
    again = _post(client, BOOKINGS, {"trip_id": trip["id"]}, traveller, key)

    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_rejected_request_is_replayed_without_running_again(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=1)
    book(api, api.register(), trip)
    body = {"trip_id": trip["id"]}

    sold_out = _post(client, BOOKINGS, body, traveller, "late")
    client.post(f"{BOOKINGS}/{_only_booking_id(api, trip)}/cancel", json={}, headers=_admin(api))
    replayed = _post(client, BOOKINGS, body, traveller, "late")

    assert sold_out.status_code == replayed.status_code == 409
    assert replayed.get_json()["code"] == "sold_out"
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert get_trip(api, trip)["seats_left"] == 1


def _admin(api: Api) -> dict[str, str]:
    return Api.auth(api.admin())


def _only_booking_id(api: Api, trip: dict[str, Any]) -> str:
    listed = api.client.get(BOOKINGS, query_string={"trip_id": trip["id"]}, headers=_admin(api))
    (booking,) = listed.get_json()["items"]
    return str(booking["id"])


def test_the_key_needs_a_valid_token(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    response = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers={"Idempotency-Key": "a"})

    assert response.status_code == 401
    assert get_trip(api, trip)["seats_left"] == 10


def test_a_key_whose_first_request_is_still_running_is_409(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"]}
    with app.test_request_context(BOOKINGS, method="POST", json=body):
        fingerprint = _fingerprint()
    store = app.extensions["travellr"].idempotency
    store.claim(uuid.UUID(traveller["user"]["id"]), "running", fingerprint, now=datetime.now(UTC))

    response = _post(client, BOOKINGS, body, traveller, "running")

    assert response.status_code == 409
    assert response.get_json()["code"] == "idempotency_key_in_flight"
    assert response.headers["Retry-After"] == "1"
    assert get_trip(api, trip)["seats_left"] == 10


@pytest.mark.parametrize(("age", "status"), [(59, 409), (60, 201)])
def test_a_key_whose_request_died_is_free_again_after_60_seconds(
    api: Api, client: FlaskClient, app: Flask, age: int, status: int
) -> None:
    """The claim of a request that never answered (its process died, or the database went
    away before the claim could be let go) is a lease that runs out after 60 s."""
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"]}
    with app.test_request_context(BOOKINGS, method="POST", json=body):
        fingerprint = _fingerprint()
    claimed_at = datetime.now(UTC) - timedelta(seconds=age)
    store = app.extensions["travellr"].idempotency
    store.claim(uuid.UUID(traveller["user"]["id"]), "died", fingerprint, now=claimed_at)

    response = _post(client, BOOKINGS, body, traveller, "died")

    assert response.status_code == status, response.get_json()
    assert get_trip(api, trip)["seats_left"] == (10 if status == 409 else 9)


def test_the_trailing_slash_does_not_change_the_request(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"]}

    first = _post(client, BOOKINGS, body, traveller, "slash")
    again = _post(client, f"{BOOKINGS}/", body, traveller, "slash")

    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
