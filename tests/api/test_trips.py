"""Trips: publishing by vendors and admins, reading without a token, editing and archiving."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    TRIPS,
    book,
    book_paid,
    get_trip,
    later,
    make_trip,
    trip_body,
)
from tests.api.test_scheduled_jobs import Unreachable

TRIP_FIELDS = {
    "id", "vendor_id", "title", "description", "destination", "start_at", "end_at", "price",
    "currency", "capacity", "seats_left", "status", "created_at", "updated_at",
}  # fmt: skip


def _trip(trip: dict[str, Any]) -> str:
    return f"{TRIPS}/{trip['id']}"


def test_a_vendor_publishes_a_trip_with_all_its_seats_left(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")

    response = client.post(
        TRIPS,
        json=trip_body(start_at="2099-12-25T10:00:00", end_at="2099-12-31T10:00:00+02:00"),
        headers=Api.auth(vendor),
    )

    trip = response.get_json()
    assert response.status_code == 201
    assert set(trip) == TRIP_FIELDS
    assert trip["vendor_id"] == vendor["user"]["id"]
    assert trip["seats_left"] == trip["capacity"] == 10
    assert trip["price"] == "150.00"
    assert trip["currency"] == "USD"
    assert trip["status"] == "active"
    assert trip["start_at"] == "2099-12-25T10:00:00Z"
    assert trip["end_at"] == "2099-12-31T08:00:00Z"
    assert trip["created_at"].endswith("Z")
    assert get_trip(api, trip) == trip


@pytest.mark.parametrize(("price", "shown"), [(99.5, "99.50"), ("1000000", "1000000.00")])
def test_a_price_is_accepted_as_a_number_or_a_string(api: Api, price: object, shown: str) -> None:
    trip = make_trip(api, api.register(role="vendor"), price=price)

    assert trip["price"] == shown


def test_a_traveller_cannot_publish_a_trip(api: Api, client: FlaskClient) -> None:
    response = client.post(TRIPS, json=trip_body(), headers=Api.auth(api.register()))

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_publishing_needs_a_token(client: FlaskClient) -> None:
    assert client.post(TRIPS, json=trip_body()).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_at": later(days=-1)}, "start_at"),
        ({"end_at": later(days=1)}, "end_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10001}, "capacity"),
        ({"capacity": 1.5}, "capacity"),
        ({"price": 0.001}, "price"),
        ({"price": "0.001"}, "price"),
        ({"price": 0}, "price"),
        ({"price": "1000000.01"}, "price"),
        ({"price": 3.3e109}, "price"),  # found by schemathesis: was a 500
        ({"price": "-2.17e+32"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"start_at": "0203-11-30T13:05:20Z"}, "start_at"),
        ({"start_at": "0001-01-01T00:00:00+01:00"}, "start_at"),  # before year 1 in UTC
        ({"start_at": "9999-12-31T23:59:59-01:00"}, "start_at"),  # after year 9999 in UTC
        ({"colour": "blue"}, "colour"),
        ({"status": "archived"}, "status"),
        ({"vendor_id": str(uuid.uuid4())}, "vendor_id"),
    ],
)
def test_an_invalid_trip_is_refused_with_422(
    api: Api, client: FlaskClient, overrides: dict[str, Any], field: str
) -> None:
    vendor = api.register(role="vendor")

    response = client.post(TRIPS, json=trip_body(**overrides), headers=Api.auth(vendor))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in str(response.get_json())
    listed = client.get(TRIPS, query_string={"vendor_id": vendor["user"]["id"]})
    assert listed.get_json()["items"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"start_at": later(days=-1)}, "start_at"), ({"end_at": later(days=1)}, "end_at")],
)
def test_a_schedule_422_names_the_field_in_errors(
    api: Api, client: FlaskClient, overrides: dict[str, Any], field: str
) -> None:
    vendor = api.register(role="vendor")

    response = client.post(TRIPS, json=trip_body(**overrides), headers=Api.auth(vendor))

    assert response.status_code == 422
    assert field in response.get_json().get("errors", {})


def test_an_admin_publishes_a_trip_for_a_vendor(api: Api, client: FlaskClient) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")

    trip = make_trip(api, admin, vendor_id=vendor["user"]["id"])

    assert trip["vendor_id"] == vendor["user"]["id"]
    edited = client.put(_trip(trip), json={"title": "Mine"}, headers=Api.auth(vendor))
    assert edited.status_code == 200


def test_an_admin_cannot_name_a_traveller_as_the_vendor(api: Api, client: FlaskClient) -> None:
    admin, traveller = api.admin(), api.register()

    response = client.post(
        TRIPS, json=trip_body(vendor_id=traveller["user"]["id"]), headers=Api.auth(admin)
    )

    assert response.status_code == 422
    assert "vendor_id" in response.get_json()["errors"]


def test_anyone_reads_a_trip_without_a_token(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    response = client.get(_trip(trip))

    assert response.status_code == 200
    assert response.get_json()["id"] == trip["id"]


@pytest.mark.parametrize("trip_id", [str(uuid.uuid4()), "not-a-uuid", "123"])
def test_an_unknown_or_malformed_trip_id_is_404(client: FlaskClient, trip_id: str) -> None:
    response = client.get(f"{TRIPS}/{trip_id}")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_the_owner_edits_a_trip(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)

    response = client.put(
        _trip(trip),
        json={"title": "Mont Blanc, slowly", "price": 175.5, "capacity": 12},
        headers=Api.auth(vendor),
    )

    edited = response.get_json()
    assert response.status_code == 200
    assert edited["title"] == "Mont Blanc, slowly"
    assert edited["price"] == "175.50"
    assert edited["capacity"] == edited["seats_left"] == 12
    assert get_trip(api, trip)["title"] == "Mont Blanc, slowly"


def test_another_vendor_cannot_edit_a_trip(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))
    other = api.register(role="vendor")

    response = client.put(_trip(trip), json={"title": "Stolen"}, headers=Api.auth(other))

    assert response.status_code == 403
    assert get_trip(api, trip)["title"] == trip["title"]


def test_an_admin_edits_any_trip(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    response = client.put(
        _trip(trip), json={"destination": "Zermatt"}, headers=Api.auth(api.admin())
    )

    assert response.status_code == 200
    assert get_trip(api, trip)["destination"] == "Zermatt"


def test_capacity_cannot_drop_below_the_seats_taken(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor, capacity=5)
    book(api, api.register(), trip, seats=3)

    below = client.put(_trip(trip), json={"capacity": 2}, headers=Api.auth(vendor))
    exact = client.put(_trip(trip), json={"capacity": 3}, headers=Api.auth(vendor))

    assert below.status_code == 409
    assert below.get_json()["code"] == "capacity_below_taken"
    assert exact.status_code == 200
    assert exact.get_json()["seats_left"] == 0


@pytest.mark.parametrize(
    "changes",
    [{"end_at": later(days=29)}, {"start_at": later(days=40)}, {"start_at": later(days=-1)}],
)
def test_an_edit_breaking_the_schedule_is_422(
    api: Api, client: FlaskClient, changes: dict[str, str]
) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)

    response = client.put(_trip(trip), json=changes, headers=Api.auth(vendor))

    assert response.status_code == 422
    assert get_trip(api, trip)["start_at"] == trip["start_at"]


@pytest.mark.parametrize("body", [{"vendor_id": str(uuid.uuid4())}, {"capacity": 2.5}])
def test_an_edit_with_a_field_that_cannot_be_set_is_422(
    api: Api, client: FlaskClient, body: dict[str, Any]
) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)

    response = client.put(_trip(trip), json=body, headers=Api.auth(vendor))

    assert response.status_code == 422
    assert next(iter(body)) in response.get_json()["errors"]


@pytest.mark.parametrize("method", ["post", "put"])
def test_a_trip_is_priced_in_the_currency_payouts_are_made_in(
    api: Api, client: FlaskClient, method: str
) -> None:
    vendor = api.register(role="vendor")
    if method == "post":
        response = client.post(TRIPS, json=trip_body(currency="EUR"), headers=Api.auth(vendor))
    else:
        trip = make_trip(api, vendor)
        response = client.put(_trip(trip), json={"currency": "EUR"}, headers=Api.auth(vendor))

    assert response.status_code == 422
    assert response.get_json()["code"] == "currency_not_supported"
    assert list(response.get_json()["errors"]) == ["currency"]


def test_archiving_takes_a_trip_off_sale(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)

    response = client.delete(_trip(trip), headers=Api.auth(vendor))

    assert response.status_code == 204
    assert get_trip(api, trip)["status"] == "archived"
    assert client.get(TRIPS).get_json()["items"] == []
    booking = client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=Api.auth(api.register()))
    assert booking.status_code == 409
    assert booking.get_json()["code"] == "trip_not_bookable"
    assert client.delete(_trip(trip), headers=Api.auth(vendor)).status_code == 409


def test_a_trip_with_confirmed_bookings_cannot_be_archived(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)
    book_paid(api, api.register(), trip)

    response = client.delete(_trip(trip), headers=Api.auth(vendor))

    assert response.status_code == 409
    assert response.get_json()["code"] == "trip_has_confirmed_bookings"
    assert get_trip(api, trip)["status"] == "active"


def test_a_pending_booking_on_an_archived_trip_cannot_be_paid(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    trip = make_trip(api, vendor)
    booking = book(api, traveller, trip)
    assert client.delete(_trip(trip), headers=Api.auth(vendor)).status_code == 204

    body = {"booking_id": booking["id"], "payment_method": "pm_card_visa"}
    response = client.post("/api/v1/payments", json=body, headers=Api.auth(traveller))

    assert response.status_code == 409
    assert response.get_json()["code"] == "trip_not_bookable"
    held = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(traveller)).get_json()
    assert held["status"] == "pending"


def test_a_trip_cannot_be_archived_while_a_booking_on_it_is_being_charged(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    trip = make_trip(api, vendor)
    services = api.app.extensions["travellr"]
    provider, services.gateway = services.gateway, Unreachable()
    body = {"trip_id": trip["id"], "payment_method": "pm_card_visa"}
    assert client.post(BOOKINGS, json=body, headers=Api.auth(traveller)).status_code == 502
    services.gateway = provider

    response = client.delete(_trip(trip), headers=Api.auth(vendor))

    assert response.status_code == 409
    assert response.get_json()["code"] == "trip_has_confirmed_bookings"


def test_only_the_owner_or_an_admin_archives(api: Api, client: FlaskClient) -> None:
    trip = make_trip(api, api.register(role="vendor"))

    by_other = client.delete(_trip(trip), headers=Api.auth(api.register(role="vendor")))
    by_traveller = client.delete(_trip(trip), headers=Api.auth(api.register()))
    by_admin = client.delete(_trip(trip), headers=Api.auth(api.admin()))

    assert by_other.status_code == by_traveller.status_code == 403
    assert by_admin.status_code == 204


def test_a_vendor_lists_its_own_trips_archived_ones_too(api: Api, client: FlaskClient) -> None:
    vendor, other = api.register(role="vendor"), api.register(role="vendor")
    later_trip = make_trip(api, vendor, start_at=later(days=60), end_at=None)
    archived = make_trip(api, vendor, start_at=later(days=20), end_at=None)
    sooner = make_trip(api, vendor, start_at=later(days=10), end_at=None, destination="Oslo")
    make_trip(api, other)
    client.delete(_trip(archived), headers=Api.auth(vendor))
    url = f"/api/v1/vendors/{vendor['user']['id']}/trips"

    def ids(viewer: dict[str, Any], **query: str) -> list[str]:
        response = client.get(url, query_string=query, headers=Api.auth(viewer))
        assert response.status_code == 200, response.get_json()
        return [trip["id"] for trip in response.get_json()["items"]]

    assert ids(vendor) == [sooner["id"], archived["id"], later_trip["id"]]
    assert ids(vendor, status="archived") == [archived["id"]]
    assert ids(vendor, status="active") == [sooner["id"], later_trip["id"]]
    assert ids(vendor, destination="osl") == [sooner["id"]]
    assert ids(api.admin(), status="archived") == [archived["id"]]
    listed = client.get(url, headers=Api.auth(vendor)).get_json()["items"]
    assert listed[1] == get_trip(api, archived)  # the same trip as GET /trips/{id}
    assert client.get(url, headers=Api.auth(other)).status_code == 404
    assert client.get(url, headers=Api.auth(api.register())).status_code == 404
    assert (
        client.get(url, query_string={"status": "gone"}, headers=Api.auth(vendor)).status_code
        == 422
    )
    not_a_vendor = f"/api/v1/vendors/{api.register()['user']['id']}/trips"
    assert client.get(not_a_vendor, headers=Api.auth(api.admin())).status_code == 404
