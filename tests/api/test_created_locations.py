"""Every 201 carries `Location`: the URL of the resource it created (a refund's is its payment's,
the only URL a refund is read at; a device's is the one it is removed at)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

from tests.api.conftest import PASSWORD, Api
from tests.api.factories import BOOKINGS, PAYMENTS, TRIPS, VISA, book, make_trip, trip_body


def _followed(client: FlaskClient, response: Any, account: dict[str, Any]) -> Any:
    """The resource at the response's Location, read by `account`."""
    location = response.headers["Location"]
    assert location.startswith("/api/v1/"), location
    followed = client.get(location, headers=Api.auth(account))
    assert followed.status_code == 200, (location, followed.get_json())
    return followed.get_json()


def test_register_points_at_the_new_user(client: FlaskClient) -> None:
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD, "name": "Ann"}

    response = client.post("/api/v1/auth/register", json=body)

    assert response.status_code == 201
    user = response.get_json()["user"]
    assert response.headers["Location"] == f"/api/v1/users/{user['id']}"
    assert _followed(client, response, response.get_json()) == user


def test_a_new_trip_points_at_itself(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")

    response = client.post(TRIPS, json=trip_body(), headers=Api.auth(vendor))

    assert response.status_code == 201
    assert response.headers["Location"] == f"{TRIPS}/{response.get_json()['id']}"
    assert _followed(client, response, vendor) == response.get_json()


def test_a_booking_points_at_itself_and_so_does_its_replay(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    headers = {**Api.auth(traveller), "Idempotency-Key": f"book-{uuid.uuid4()}"}

    first = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=headers)
    replay = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert first.headers["Location"] == f"{BOOKINGS}/{first.get_json()['id']}"
    assert replay.headers["Location"] == first.headers["Location"]
    assert _followed(client, first, traveller)["id"] == first.get_json()["id"]


def test_a_payment_points_at_itself_and_a_refund_at_its_payment(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book(api, traveller, make_trip(api, vendor))

    paid = client.post(
        PAYMENTS,
        json={"booking_id": booking["id"], "payment_method": VISA},
        headers=Api.auth(traveller),
    )
    payment = paid.get_json()
    refunded = client.post(
        f"{PAYMENTS}/{payment['id']}/refund", json={"amount": "10.00"}, headers=Api.auth(vendor)
    )

    assert paid.status_code == refunded.status_code == 201
    assert paid.headers["Location"] == f"{PAYMENTS}/{payment['id']}"
    assert _followed(client, paid, traveller)["id"] == payment["id"]
    assert refunded.headers["Location"] == f"{PAYMENTS}/{payment['id']}"
    assert _followed(client, refunded, vendor)["amount_refunded"] == "10.00"


def test_a_device_points_at_where_it_is_removed(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    body = {"token": f"token-{uuid.uuid4().hex}", "platform": "android"}

    response = client.post("/api/v1/users/me/devices", json=body, headers=Api.auth(traveller))

    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"/api/v1/users/me/devices/{response.get_json()['id']}"
    assert client.delete(location, headers=Api.auth(traveller)).status_code == 204


def test_no_answer_but_a_201_carries_location(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=1)
    book(api, traveller, trip)

    sold_out = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(traveller))

    assert sold_out.status_code == 409
    assert "Location" not in sold_out.headers
