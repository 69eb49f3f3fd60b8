"""A booking is checked and priced on the copy of its trip that this process last read, and
written in one go only while the trip still matches it. Each test here books once first, so
that the process holds a copy, then changes the trip behind it (another worker's edit, as far
as that copy knows): the next booking must go by the trip as it is now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import BOOKINGS, TRIPS, book, get_trip, later, make_trip, move_trip_start


def _trip_with_a_copy(api: Api, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """A vendor's trip that this process has booked once, so it holds a copy of it."""
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor, **overrides)
    book(api, api.register(), trip)
    return vendor, trip


def _booking_of(api: Api, vendor: dict[str, Any], trip: dict[str, Any]) -> dict[str, Any]:
    listed = api.client.get(
        BOOKINGS, query_string={"trip_id": trip["id"]}, headers=Api.auth(vendor)
    )
    (booking,) = listed.get_json()["items"]
    return dict(booking)


def _edit(api: Api, vendor: dict[str, Any], trip: dict[str, Any], **changes: Any) -> None:
    response = api.client.put(f"{TRIPS}/{trip['id']}", json=changes, headers=Api.auth(vendor))
    assert response.status_code == 200, response.get_json()


def _try_to_book(client: FlaskClient, api: Api, trip: dict[str, Any], **body: Any) -> Any:
    return client.post(
        BOOKINGS, json={"trip_id": trip["id"], **body}, headers=Api.auth(api.register())
    )


def test_a_new_price_is_charged_and_the_old_one_is_a_mismatch(
    api: Api, client: FlaskClient
) -> None:
    vendor, trip = _trip_with_a_copy(api, price="150.00")
    _edit(api, vendor, trip, price="200.00")

    old = _try_to_book(client, api, trip, seats=2, total_price="300.00")
    new = book(api, api.register(), trip, seats=2, total_price="400.00")
    unpriced = book(api, api.register(), trip)

    assert old.status_code == 409
    assert old.get_json()["code"] == "price_mismatch"
    assert new["total_price"] == "400.00"
    assert unpriced["total_price"] == "200.00"
    assert get_trip(api, trip)["seats_left"] == 10 - 1 - 2 - 1


def test_an_archived_trip_is_not_booked(api: Api, client: FlaskClient) -> None:
    vendor, trip = _trip_with_a_copy(api)
    archived = client.delete(f"{TRIPS}/{trip['id']}", headers=Api.auth(vendor))
    assert archived.status_code in (200, 204), archived.get_json()

    response = _try_to_book(client, api, trip)

    assert response.status_code == 409
    assert response.get_json()["code"] == "trip_not_bookable"


def test_a_moved_trip_is_booked_for_its_new_start(api: Api) -> None:
    vendor, trip = _trip_with_a_copy(api)
    new_start = later(days=60)
    _edit(api, vendor, trip, start_at=new_start, end_at=later(days=67))

    booking = book(api, api.register(), trip)

    assert booking["trip_date"] == get_trip(api, trip)["start_at"]
    assert booking["trip_date"][:16] == new_start[:16]


def test_a_trip_that_has_started_since_is_not_booked(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    _, trip = _trip_with_a_copy(api)
    move_trip_start(app, trip, datetime.now(UTC) - timedelta(hours=1))

    response = _try_to_book(client, api, trip)

    assert response.status_code == 422
    assert response.get_json()["code"] == "trip_already_started"


def test_seats_taken_since_the_copy_are_not_sold_again(api: Api, client: FlaskClient) -> None:
    _, trip = _trip_with_a_copy(api, capacity=3)
    book(api, api.register(), trip, seats=2)  # the copy still shows 3 seats left

    response = _try_to_book(client, api, trip)

    assert response.status_code == 409
    assert response.get_json()["code"] == "sold_out"
    assert get_trip(api, trip)["seats_left"] == 0


def test_a_copy_that_shows_the_trip_full_does_not_refuse_seats_freed_since(
    api: Api, client: FlaskClient
) -> None:
    vendor, trip = _trip_with_a_copy(api, capacity=1)
    assert _try_to_book(client, api, trip).status_code == 409  # the copy was out of date
    assert _try_to_book(client, api, trip).status_code == 409  # a new copy: the trip is full
    first = _booking_of(api, vendor, trip)
    cancelled = client.post(f"{BOOKINGS}/{first['id']}/cancel", headers=Api.auth(vendor))
    assert cancelled.status_code == 200, cancelled.get_json()

    booking = book(api, api.register(), trip)

    assert booking["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 0
