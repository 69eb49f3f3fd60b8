"""A trip always belongs to an active vendor: admins name one, and a deactivated vendor's trips
are neither listed nor booked, while what it already sold stays and is still paid out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    PAYMENTS,
    TRIPS,
    VISA,
    book,
    book_paid,
    make_trip,
    payment_of,
    trip_body,
)
from travellr.application.payouts import complete_booking

USERS = "/api/v1/users"
AFTER_THE_TRIP = datetime(2031, 9, 1, tzinfo=UTC)


def _deactivate(
    client: FlaskClient, admin: dict[str, Any], account: dict[str, Any], how: str
) -> None:
    url = f"{USERS}/{account['user']['id']}"
    if how == "admin delete":
        response = client.delete(url, headers=Api.auth(admin))
    else:
        response = client.put(url, json={"is_active": False}, headers=Api.auth(admin))
    assert response.status_code in (200, 204), response.get_json()


def _listed(client: FlaskClient, **query: str) -> list[str]:
    response = client.get(TRIPS, query_string=query)
    assert response.status_code == 200, response.get_json()
    return [trip["id"] for trip in response.get_json()["items"]]


def test_an_admin_publishing_a_trip_must_name_its_vendor(api: Api, client: FlaskClient) -> None:
    admin = api.admin()

    response = client.post(TRIPS, json=trip_body(), headers=Api.auth(admin))

    assert response.status_code == 422
    assert response.get_json()["code"] == "vendor_required"
    assert list(response.get_json()["errors"]) == ["vendor_id"]
    assert _listed(client) == []


@pytest.mark.parametrize("who", ["traveller", "admin", "inactive vendor", "nobody"])
def test_an_admin_must_name_an_active_vendor(api: Api, client: FlaskClient, who: str) -> None:
    admin = api.admin()
    if who == "traveller":
        named = api.register()["user"]["id"]
    elif who == "admin":
        named = admin["user"]["id"]
    elif who == "inactive vendor":
        vendor = api.register(role="vendor")
        _deactivate(client, admin, vendor, "admin delete")
        named = vendor["user"]["id"]
    else:
        named = "00000000-0000-4000-8000-000000000000"

    response = client.post(TRIPS, json=trip_body(vendor_id=named), headers=Api.auth(admin))

    assert response.status_code == 422
    assert response.get_json()["code"] == "not_a_vendor"
    assert list(response.get_json()["errors"]) == ["vendor_id"]


@pytest.mark.parametrize("how", ["admin delete", "admin put"])
@pytest.mark.usefixtures("process_cache")  # the list pages are cached, as with Redis
def test_a_deactivated_vendors_trips_are_neither_listed_nor_booked(
    api: Api, client: FlaskClient, how: str
) -> None:
    vendor, other, admin, traveller = (
        api.register(role="vendor"),
        api.register(role="vendor"),
        api.admin(),
        api.register(),
    )
    trip, kept = make_trip(api, vendor), make_trip(api, other)
    pending = book(api, traveller, trip)
    assert set(_listed(client)) == {trip["id"], kept["id"]}  # and cached

    _deactivate(client, admin, vendor, how)

    assert _listed(client) == [kept["id"]]
    assert _listed(client, vendor_id=vendor["user"]["id"]) == []
    booked = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(traveller))
    paid_at_once = client.post(
        BOOKINGS, json={"trip_id": trip["id"], "payment_method": VISA}, headers=Api.auth(traveller)
    )
    paid = client.post(
        PAYMENTS,
        json={"booking_id": pending["id"], "payment_method": VISA},
        headers=Api.auth(traveller),
    )
    for response in (booked, paid_at_once, paid):
        assert response.status_code == 409, response.get_json()
        assert response.get_json()["code"] == "trip_not_bookable"
    assert client.get(f"{TRIPS}/{trip['id']}").status_code == 200  # still readable
    assert book(api, traveller, kept)["status"] == "pending"


def test_a_reactivated_vendors_trips_are_listed_and_booked_again(
    api: Api, client: FlaskClient
) -> None:
    vendor, admin, traveller = api.register(role="vendor"), api.admin(), api.register()
    trip = make_trip(api, vendor)
    _deactivate(client, admin, vendor, "admin put")
    assert _listed(client) == []

    response = client.put(
        f"{USERS}/{vendor['user']['id']}", json={"is_active": True}, headers=Api.auth(admin)
    )

    assert response.status_code == 200
    assert _listed(client) == [trip["id"]]
    assert book(api, traveller, trip)["status"] == "pending"


def test_a_deactivated_vendors_confirmed_bookings_stay_and_an_admin_cancels_them_in_full(
    api: Api, client: FlaskClient
) -> None:
    vendor, admin, traveller = api.register(role="vendor"), api.admin(), api.register()
    trip = make_trip(api, vendor, start_at=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    booking = book_paid(api, traveller, trip, seats=2)

    _deactivate(client, admin, vendor, "admin delete")
    kept = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(traveller)).get_json()
    cancelled = client.post(f"{BOOKINGS}/{booking['id']}/cancel", json={}, headers=Api.auth(admin))

    assert kept["status"] == "confirmed"
    assert cancelled.status_code == 200
    assert cancelled.get_json()["refund_amount"] == "300.00"  # 100 %, a day before the trip
    assert payment_of(api, traveller, booking)["status"] == "refunded"


def test_a_deactivated_vendor_is_still_paid_what_it_earned(api: Api, client: FlaskClient) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    trip = make_trip(api, vendor, price="100.00", start_at="2031-03-15T10:00:00Z", end_at=None)
    booking = book_paid(api, api.register(), trip)
    wired = api.app.extensions["travellr"]
    complete_booking(UUID(booking["id"]), uow=wired.new_uow(), now=AFTER_THE_TRIP)
    _deactivate(client, admin, vendor, "admin delete")

    response = client.post(
        f"/api/v1/vendors/{vendor['user']['id']}/payout",
        json={"period_start": "2031-03-01", "period_end": "2031-03-31"},
        headers=Api.auth(admin),
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["vendor_amount"] == "80.00"
    assert response.headers["Location"] == (
        f"/api/v1/vendors/{vendor['user']['id']}/payouts/{response.get_json()['id']}"
    )
