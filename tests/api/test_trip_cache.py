"""Trip reads are cached, and the changes that move them invalidate the cache at once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.api.conftest import Api
from tests.api.factories import BOOKINGS, TRIPS, book, get_trip, later, make_trip
from travellr.infrastructure.db import tables

pytestmark = pytest.mark.usefixtures("process_cache")


def _rename_behind_the_apps_back(app: Flask, trip: dict[str, Any], title: str) -> None:
    """A write that emits no event: only the TTL would make the cache see it."""
    trips = tables.trips
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(
            update(trips).where(trips.c.id == uuid.UUID(trip["id"])).values(title=title)
        )


def _titles(client: FlaskClient, **query: Any) -> list[str]:
    response = client.get(TRIPS, query_string=query)
    assert response.status_code == 200
    return [item["title"] for item in response.get_json()["items"]]


def test_a_trip_read_twice_is_served_from_the_cache(api: Api, app: Flask) -> None:
    trip = make_trip(api, api.register(role="vendor"), title="Original")
    assert get_trip(api, trip)["title"] == "Original"

    _rename_behind_the_apps_back(app, trip, "Renamed")

    assert get_trip(api, trip)["title"] == "Original"


def test_editing_a_trip_invalidates_its_cached_read_and_list(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor, title="Original")
    assert get_trip(api, trip)["title"] == "Original"
    assert _titles(client) == ["Original"]

    edited = client.put(f"{TRIPS}/{trip['id']}", json={"title": "Edited"}, headers=Api.auth(vendor))

    assert edited.status_code == 200
    assert get_trip(api, trip)["title"] == "Edited"
    assert _titles(client) == ["Edited"]


def test_archiving_a_trip_takes_it_off_the_cached_list(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    trip = make_trip(api, vendor)
    assert len(_titles(client)) == 1

    assert client.delete(f"{TRIPS}/{trip['id']}", headers=Api.auth(vendor)).status_code == 204

    assert _titles(client) == []
    assert get_trip(api, trip)["status"] == "archived"


def test_publishing_a_trip_shows_it_on_the_cached_first_page(api: Api, client: FlaskClient) -> None:
    vendor = api.register(role="vendor")
    make_trip(api, vendor, title="Later", start_at=later(days=40), end_at=None)
    assert _titles(client) == ["Later"]

    make_trip(api, vendor, title="Sooner", start_at=later(days=10), end_at=None)

    assert _titles(client) == ["Sooner", "Later"]


def test_booking_changing_and_cancelling_move_the_cached_seats_left(
    api: Api, client: FlaskClient
) -> None:
    trip = make_trip(api, api.register(role="vendor"), capacity=10)
    assert get_trip(api, trip)["seats_left"] == 10
    traveller = api.register()

    booking = book(api, traveller, trip, seats=2)
    assert get_trip(api, trip)["seats_left"] == 8
    changed = client.put(
        f"{BOOKINGS}/{booking['id']}", json={"seats": 3}, headers=Api.auth(traveller)
    )
    assert changed.status_code == 200
    assert get_trip(api, trip)["seats_left"] == 7
    assert (
        client.get(TRIPS, query_string={"available": "true"}).get_json()["items"][0]["seats_left"]
        == 7
    )

    cancelled = client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=Api.auth(traveller))

    assert cancelled.status_code == 200
    assert get_trip(api, trip)["seats_left"] == 10


def test_the_same_filters_in_another_order_share_one_cached_page(
    api: Api, app: Flask, client: FlaskClient
) -> None:
    trip = make_trip(api, api.register(role="vendor"), title="Original", destination="Alps")
    query = [("destination", "alps"), ("limit", "5")]
    assert client.get(TRIPS, query_string=query).get_json()["items"][0]["title"] == "Original"
    _rename_behind_the_apps_back(app, trip, "Renamed")

    reordered = client.get(TRIPS, query_string=list(reversed(query))).get_json()
    other_query = client.get(TRIPS, query_string={"destination": "ALPS"})

    assert reordered["items"][0]["title"] == "Original"
    assert other_query.get_json()["items"][0]["title"] == "Renamed"
