"""Lists: the trip and booking filters, who sees what, and keyset pages walked to the end."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    PAYMENTS,
    TRIPS,
    book,
    book_paid,
    later,
    make_trip,
    move_trip_start,
    walk,
)


def _ids(client: FlaskClient, url: str, headers: dict[str, str] | None = None, **query: Any) -> Any:
    response = client.get(url, query_string=query, headers=headers or {})
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def test_trips_are_listed_without_a_token_soonest_first(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    late = make_trip(api, vendor, start_at=later(days=50), end_at=None)
    soon = make_trip(api, vendor, start_at=later(days=5), end_at=None)
    middle = make_trip(api, vendor, start_at=later(days=20), end_at=None)

    assert _ids(client, TRIPS) == [soon["id"], middle["id"], late["id"]]


def test_the_destination_filter_is_a_case_insensitive_literal_substring(
    api: Api, client: FlaskClient
) -> None:
    vendor = api.register(role="vendor")
    paris = make_trip(api, vendor, destination="Paris, France")
    percent = make_trip(api, vendor, destination="100% Alps")
    make_trip(api, vendor, destination="Rome-Italy")
    orsta = make_trip(api, vendor, destination="Ørsta, Norway")

    assert _ids(client, TRIPS, destination="pARIS") == [paris["id"]]
    assert _ids(client, TRIPS, destination="ørsta") == [orsta["id"]]  # not ASCII only
    assert _ids(client, TRIPS, destination="%") == [percent["id"]]
    assert _ids(client, TRIPS, destination="p%s") == []
    assert _ids(client, TRIPS, destination="e_i") == []
    assert _ids(client, TRIPS, destination="Tokyo") == []


def test_trips_are_filtered_by_start_price_and_vendor(api: Api, client: FlaskClient) -> None:
    vendor, other = api.register(role="vendor"), api.register(role="vendor")
    cheap = make_trip(api, vendor, start_at="2099-03-01T09:00:00Z", end_at=None, price="50.00")
    dear = make_trip(api, other, start_at="2099-03-10T09:00:00Z", end_at=None, price="500.00")

    assert _ids(client, TRIPS, **{"from": "2099-03-02"}) == [dear["id"]]
    assert _ids(client, TRIPS, to="2099-03-01") == [cheap["id"]]
    assert _ids(client, TRIPS, **{"from": "2099-03-01T09:00:00Z", "to": "2099-03-10"}) == [
        cheap["id"],
        dear["id"],
    ]
    assert _ids(client, TRIPS, to="2099-03-10T08:59:59Z") == [cheap["id"]]
    assert _ids(client, TRIPS, min_price="50.01") == [dear["id"]]
    assert _ids(client, TRIPS, max_price=50) == [cheap["id"]]
    assert _ids(client, TRIPS, min_price=50, max_price="500.00") == [cheap["id"], dear["id"]]
    assert _ids(client, TRIPS, vendor_id=other["user"]["id"]) == [dear["id"]]


def test_available_trips_leave_out_sold_out_started_and_archived_ones(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    vendor = api.register(role="vendor")
    sold_out = make_trip(api, vendor, capacity=1, start_at=later(days=3), end_at=None)
    archived = make_trip(api, vendor, start_at=later(days=4), end_at=None)
    open_ = make_trip(api, vendor, capacity=2, start_at=later(days=5), end_at=None)
    started = make_trip(api, vendor, start_at=later(days=6), end_at=None)
    book(api, api.register(), sold_out)
    book(api, api.register(), open_)
    client.delete(f"{TRIPS}/{archived['id']}", headers=Api.auth(vendor))
    move_trip_start(app, started, datetime.now(UTC) - timedelta(hours=1))

    assert _ids(client, TRIPS, available="true") == [open_["id"]]
    assert set(_ids(client, TRIPS)) == {sold_out["id"], open_["id"], started["id"]}


@pytest.mark.parametrize(
    "query",
    [{"min_price": "0.001"}, {"from": "yesterday"}, {"vendor_id": "x"}],
)
def test_an_invalid_trip_filter_is_422(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get(TRIPS, query_string=query)

    assert response.status_code == 422
    assert next(iter(query)) in response.get_json()["errors"]


def test_bookings_are_listed_to_their_traveller_vendor_and_admins(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller, other = api.register(role="vendor"), api.register(), api.register()
    mine = book(api, traveller, make_trip(api, vendor))
    theirs = book(api, other, make_trip(api, api.register(role="vendor")))

    assert _ids(client, BOOKINGS, Api.auth(traveller)) == [mine["id"]]
    assert _ids(client, BOOKINGS, Api.auth(vendor)) == [mine["id"]]
    assert _ids(client, BOOKINGS, Api.auth(other)) == [theirs["id"]]
    assert _ids(client, BOOKINGS, Api.auth(api.admin())) == [theirs["id"], mine["id"]]
    assert client.get(BOOKINGS).status_code == 401


def test_bookings_are_filtered_by_status_trip_and_trip_date(api: Api, client: FlaskClient) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    march = make_trip(api, vendor, start_at="2099-03-01T09:00:00Z", end_at=None)
    april = make_trip(api, vendor, start_at="2099-04-01T09:00:00Z", end_at=None)
    held = book(api, traveller, march)
    paid = book_paid(api, traveller, april)
    auth = Api.auth(traveller)

    assert _ids(client, BOOKINGS, auth, status="pending") == [held["id"]]
    assert _ids(client, BOOKINGS, auth, status="confirmed") == [paid["id"]]
    assert _ids(client, BOOKINGS, auth, status="cancelled") == []
    assert _ids(client, BOOKINGS, auth, trip_id=april["id"]) == [paid["id"]]
    assert _ids(client, BOOKINGS, auth, **{"from": "2099-03-15"}) == [paid["id"]]
    assert _ids(client, BOOKINGS, auth, to="2099-03-01") == [held["id"]]
    bogus = client.get(BOOKINGS, query_string={"status": "paid"}, headers=auth)
    assert bogus.status_code == 422


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5"])
def test_a_limit_outside_1_to_100_is_422(client: FlaskClient, limit: str) -> None:
    response = client.get(TRIPS, query_string={"limit": limit})

    assert response.status_code == 422
    assert "limit" in response.get_json()["errors"]


@pytest.mark.parametrize("limit", [1, 100])
def test_the_limits_bounds_are_allowed(api: Api, client: FlaskClient, limit: int) -> None:
    vendor = api.register(role="vendor")
    for _ in range(2):
        make_trip(api, vendor)

    body = client.get(TRIPS, query_string={"limit": limit}).get_json()

    assert len(body["items"]) == min(limit, 2)
    assert (body["next_cursor"] is None) == (limit == 100)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "!!!",
        _cursor(["only-one"]),
        _cursor(["x", "y"]),
        "e30",
        "x" * 501,
        _cursor(["2099-01-01T00:00:00+00:00", 5]),
        _cursor(["0001-01-01T00:00:00+01:00", "00000000-0000-0000-0000-000000000000"]),
    ],
)
def test_a_bad_cursor_is_422(api: Api, client: FlaskClient, cursor: str) -> None:
    traveller = api.register()

    trips = client.get(TRIPS, query_string={"cursor": cursor})
    bookings = client.get(BOOKINGS, query_string={"cursor": cursor}, headers=Api.auth(traveller))

    assert trips.status_code == bookings.status_code == 422
    assert "cursor" in trips.get_json()["errors"]


def test_a_cursor_with_a_time_without_offset_is_422(client: FlaskClient) -> None:
    cursor = _cursor(["2099-01-01T00:00:00", str(uuid.uuid4())])

    response = client.get(TRIPS, query_string={"cursor": cursor})

    assert response.status_code == 422


def test_walking_trips_two_by_two_gives_each_once_soonest_first(
    api: Api, client: FlaskClient
) -> None:
    vendor = api.register(role="vendor")
    same_start = later(days=9)
    trips = [make_trip(api, vendor, start_at=later(days=d), end_at=None) for d in (8, 3, 12)]
    trips += [make_trip(api, vendor, start_at=same_start, end_at=None) for _ in range(4)]
    expected = sorted(trips, key=lambda t: (t["start_at"], t["id"]))

    items, pages = walk(client, TRIPS, limit=2)

    assert [t["id"] for t in items] == [t["id"] for t in expected]
    assert pages == 4


def test_walking_bookings_gives_each_once_newest_first(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    booked = [book(api, traveller, trip)["id"] for _ in range(5)]

    items, pages = walk(client, BOOKINGS, Api.auth(traveller), limit=2)

    assert [b["id"] for b in items] == booked[::-1]
    assert pages == 3


def test_walking_payments_gives_each_once_newest_first(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    booked = [book_paid(api, traveller, trip)["id"] for _ in range(3)]

    items, pages = walk(client, PAYMENTS, Api.auth(traveller), limit=2)

    assert [p["booking_id"] for p in items] == booked[::-1]
    assert pages == 2


def test_the_last_page_has_no_next_cursor(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    for _ in range(2):
        make_trip(api, vendor)

    first = client.get(TRIPS, query_string={"limit": 2}).get_json()
    empty = client.get(TRIPS, query_string={"limit": 5, "vendor_id": str(uuid.uuid4())})

    assert len(first["items"]) == 2
    assert first["next_cursor"] is None
    assert empty.get_json() == {"items": [], "next_cursor": None}
