"""Bookings: holding seats, paying at once, seeing and changing them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

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
    move_trip_start,
    payments_of,
)
from travellr.infrastructure.db import tables

BOOKING_FIELDS = {
    "id", "user_id", "vendor_id", "trip_id", "trip_date", "seats", "total_price", "currency",
    "status", "notes", "refund_amount", "cancelled_at", "created_at", "updated_at",
}  # fmt: skip


def _booking(booking: dict[str, Any]) -> str:
    return f"{BOOKINGS}/{booking['id']}"


@pytest.mark.parametrize("url", [BOOKINGS, f"{BOOKINGS}/"])
def test_a_traveller_books_seats_held_pending(api: Api, client: FlaskClient, url: str) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    trip = make_trip(api, vendor, capacity=5)

    response = client.post(
        url, json={"trip_id": trip["id"], "seats": 2, "notes": "Vegan"}, headers=Api.auth(traveller)
    )

    booking = response.get_json()
    assert response.status_code == 201
    assert set(booking) == BOOKING_FIELDS
    assert booking["status"] == "pending"
    assert booking["user_id"] == traveller["user"]["id"]
    assert booking["vendor_id"] == vendor["user"]["id"]
    assert booking["trip_date"] == trip["start_at"]
    assert booking["total_price"] == "300.00"
    assert booking["currency"] == "USD"
    assert booking["refund_amount"] is None
    assert booking["notes"] == "Vegan"
    assert get_trip(api, trip)["seats_left"] == 3


@pytest.mark.parametrize("expected", [300, "300.00", 300.0])
def test_a_matching_total_price_is_accepted(api: Api, expected: object) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    booking = book(api, api.register(), trip, seats=2, total_price=expected)

    assert booking["total_price"] == "300.00"


def test_a_total_price_that_differs_is_a_price_mismatch(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))
    body = {"trip_id": trip["id"], "seats": 2, "total_price": "150.00"}

    response = client.post(BOOKINGS, json=body, headers=Api.auth(api.register()))

    assert response.status_code == 409
    assert response.get_json()["code"] == "price_mismatch"
    assert get_trip(api, trip)["seats_left"] == 10


def test_exactly_the_capacity_is_sold_and_no_more(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"), capacity=3)
    book(api, api.register(), trip, seats=2)
    body = {"trip_id": trip["id"], "seats": 2}

    too_many = client.post(BOOKINGS, json=body, headers=Api.auth(api.register()))
    last = book(api, api.register(), trip, seats=1)
    one_more = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(api.register()))

    assert too_many.status_code == one_more.status_code == 409
    assert too_many.get_json()["code"] == one_more.get_json()["code"] == "sold_out"
    assert last["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 0


def test_a_trip_that_has_started_cannot_be_booked(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    trip = make_trip(api, api.register(role="vendor"))
    move_trip_start(app, trip, datetime.now(UTC) - timedelta(hours=1))

    response = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(api.register()))

    assert response.status_code == 422
    assert response.get_json()["code"] == "trip_already_started"
    assert get_trip(api, trip)["seats_left"] == 10


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"trip_id": str(uuid.uuid4())}, "trip_id"),
        ({"seats": 1.5}, "seats"),
        ({"seats": 0}, "seats"),
        ({"seats": "2"}, "seats"),
        ({"total_price": "300.001"}, "total_price"),
        ({"status": "confirmed"}, "status"),
    ],
)
def test_an_invalid_booking_is_422(
    api: Api, client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    response = client.post(
        BOOKINGS, json={"trip_id": trip["id"], **body}, headers=Api.auth(api.register())
    )

    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert get_trip(api, trip)["seats_left"] == 10


def test_a_vendor_cannot_book(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)

    response = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(vendor))

    assert response.status_code == 403
    assert get_trip(api, trip)["seats_left"] == 10


def test_an_admin_may_book(api: Api) -> None:
    admin = api.admin()

    booking = book(api, admin, make_trip(api, api.register(role="vendor")))

    assert booking["user_id"] == admin["user"]["id"]


def test_paying_at_once_confirms_the_booking(api: Api) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    booking = book(api, traveller, trip, seats=2, payment_method=VISA)

    assert booking["status"] == "confirmed"
    (payment,) = payments_of(api, traveller, booking)
    assert payment["status"] == "succeeded"
    assert payment["amount"] == "300.00"


def test_a_declined_card_leaves_the_booking_pending_and_a_retry_confirms_it(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    declined = client.post(
        BOOKINGS,
        json={"trip_id": trip["id"], "payment_method": DECLINED},
        headers=Api.auth(traveller),
    )
    booking_id = declined.get_json()["booking_id"]
    held = client.get(f"{BOOKINGS}/{booking_id}", headers=Api.auth(traveller)).get_json()
    paid = client.post(
        PAYMENTS,
        json={"booking_id": booking_id, "payment_method": VISA},
        headers=Api.auth(traveller),
    )

    assert declined.status_code == 402
    assert declined.get_json()["code"] == "payment_declined"
    assert held["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 9
    assert paid.status_code == 201
    assert paid.get_json()["status"] == "succeeded"
    confirmed = client.get(f"{BOOKINGS}/{booking_id}", headers=Api.auth(traveller)).get_json()
    assert confirmed["status"] == "confirmed"
    statuses = sorted(p["status"] for p in payments_of(api, traveller, confirmed))
    assert statuses == ["failed", "succeeded"]


@pytest.mark.parametrize("method", ["visa", "", "pm_", "tok_visa", "pm_card visa"])
def test_a_malformed_payment_method_is_422_and_books_nothing(
    api: Api, client: FlaskClient, method: str
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    response = client.post(
        BOOKINGS,
        json={"trip_id": trip["id"], "payment_method": method},
        headers=Api.auth(traveller),
    )

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["payment_method"]
    assert client.get(BOOKINGS, headers=Api.auth(traveller)).get_json()["items"] == []


def test_a_pending_booking_changes_seats_and_notes(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=4)
    booking = book(api, traveller, trip, seats=1)

    grown = client.put(
        _booking(booking), json={"seats": 3, "notes": "Window"}, headers=Api.auth(traveller)
    )
    too_many = client.put(_booking(booking), json={"seats": 5}, headers=Api.auth(traveller))

    assert grown.status_code == 200
    assert grown.get_json()["seats"] == 3
    assert grown.get_json()["total_price"] == "450.00"
    assert grown.get_json()["notes"] == "Window"
    assert get_trip(api, trip)["seats_left"] == 1
    assert too_many.status_code == 409
    assert too_many.get_json()["code"] == "sold_out"
    shrunk = client.put(_booking(booking), json={"seats": 2}, headers=Api.auth(traveller))
    assert shrunk.get_json()["total_price"] == "300.00"
    assert get_trip(api, trip)["seats_left"] == 2


def test_a_confirmed_booking_cannot_be_changed(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book_paid(api, traveller, make_trip(api, api.register(role="vendor")))

    response = client.put(_booking(booking), json={"seats": 2}, headers=Api.auth(traveller))

    assert response.status_code == 409
    assert client.get(_booking(booking), headers=Api.auth(traveller)).get_json()["seats"] == 1


def test_the_trips_vendor_cannot_change_a_booking(api: Api, client: FlaskClient) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book(api, traveller, make_trip(api, vendor))

    response = client.put(_booking(booking), json={"notes": "x"}, headers=Api.auth(vendor))

    assert response.status_code == 403
    assert client.get(_booking(booking), headers=Api.auth(traveller)).get_json()["notes"] is None


def test_an_admin_changes_a_booking(api: Api, client: FlaskClient) -> None:
    booking = book(api, api.register(), make_trip(api, api.register(role="vendor")))

    response = client.put(_booking(booking), json={"seats": 2}, headers=Api.auth(api.admin()))

    assert response.status_code == 200
    assert response.get_json()["total_price"] == "300.00"


def test_a_booking_is_seen_by_its_traveller_its_vendor_and_admins(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book(api, traveller, make_trip(api, vendor))

    for account in (traveller, vendor, api.admin()):
        response = client.get(_booking(booking), headers=Api.auth(account))
        assert response.status_code == 200
        assert response.get_json() == booking


@pytest.mark.parametrize("role", ["traveler", "vendor"])
def test_anyone_else_gets_404_for_a_booking(api: Api, client: FlaskClient, role: str) -> None:
    booking = book(api, api.register(), make_trip(api, api.register(role="vendor")))
    stranger = api.register(role=role)

    seen = client.get(_booking(booking), headers=Api.auth(stranger))
    changed = client.put(_booking(booking), json={"notes": "x"}, headers=Api.auth(stranger))
    missing = client.get(f"{BOOKINGS}/{uuid.uuid4()}", headers=Api.auth(stranger))

    assert seen.status_code == changed.status_code == missing.status_code == 404
    assert seen.get_json()["detail"] == missing.get_json()["detail"]
    assert client.get(f"{BOOKINGS}/not-a-uuid", headers=Api.auth(stranger)).status_code == 404


def test_null_notes_clear_them(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")), notes="Vegan")

    response = client.put(_booking(booking), json={"notes": None}, headers=Api.auth(traveller))

    assert response.status_code == 200
    assert response.get_json()["notes"] is None


@pytest.mark.parametrize("action", ["pay", "change"])
def test_a_hold_that_ran_out_before_the_expiry_job_came_expires_when_used(
    api: Api, client: FlaskClient, action: str
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=5)
    booking = book(api, traveller, trip, seats=2)
    bookings = tables.bookings
    with api.app.extensions["travellr"].engine.begin() as connection:
        ran_out = datetime.now(UTC) - timedelta(seconds=1)
        connection.execute(
            update(bookings)
            .where(bookings.c.id == uuid.UUID(booking["id"]))
            .values(expires_at=ran_out)
        )

    if action == "pay":
        body = {"booking_id": booking["id"], "payment_method": VISA}
        response = client.post(PAYMENTS, json=body, headers=Api.auth(traveller))
    else:
        url = f"{BOOKINGS}/{booking['id']}"
        response = client.put(url, json={"seats": 3}, headers=Api.auth(traveller))

    assert response.status_code == 409
    assert response.get_json()["code"] == "invalid_transition"
    got = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(traveller)).get_json()
    assert got["status"] == "expired"
    assert get_trip(api, trip)["seats_left"] == 5
