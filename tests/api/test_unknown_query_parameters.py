"""An unknown query parameter is a 422 naming it, like an unknown body field, on every list
endpoint: a mistyped filter must never silently return everything."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import TRIPS, make_trip

LISTS = [
    ("anyone", TRIPS),
    ("traveller", "/api/v1/bookings"),
    ("traveller", "/api/v1/payments"),
    ("traveller", "/api/v1/users/me/devices"),
    ("vendor", "/api/v1/vendors/{vendor_id}/payouts"),
    ("admin", "/api/v1/admin/users"),
    ("admin", "/api/v1/admin/bookings"),
    ("admin", "/api/v1/admin/analytics"),
]


def _caller(api: Api, who: str) -> tuple[dict[str, str], dict[str, Any] | None]:
    if who == "anyone":
        return {}, None
    account = (
        api.admin()
        if who == "admin"
        else api.register(role="vendor" if who == "vendor" else "traveler")
    )
    return Api.auth(account), account


@pytest.mark.parametrize(("who", "url"), LISTS)
def test_an_unknown_query_parameter_is_422_naming_it(
    api: Api, client: FlaskClient, who: str, url: str
) -> None:
    headers, account = _caller(api, who)
    url = url.format(vendor_id=account["user"]["id"] if account else "")

    known = client.get(url, headers=headers)
    response = client.get(url, query_string={"destinaton": "x"}, headers=headers)

    assert known.status_code == 200, known.get_json()
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == {"destinaton": ["Unknown field."]}


def test_a_mistyped_trip_filter_returns_nothing_rather_than_everything(
    api: Api, client: FlaskClient
) -> None:
    make_trip(api, api.register(role="vendor"), destination="Chamonix")

    typo = client.get(TRIPS, query_string={"destinaton": "Zermatt"})
    right = client.get(TRIPS, query_string={"destination": "Zermatt"})

    assert typo.status_code == 422
    assert right.status_code == 200
    assert right.get_json()["items"] == []


def test_several_unknown_parameters_are_each_named(client: FlaskClient) -> None:
    response = client.get(f"{TRIPS}?destination=a&limit=3&min_prise=1&vendor=2")

    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"min_prise", "vendor"}


def test_an_endpoint_that_reads_no_query_refuses_one(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    read = client.get(f"{TRIPS}/{trip['id']}", query_string={"expand": "vendor"})
    booked = client.post(
        "/api/v1/bookings",
        query_string={"dry_run": "true"},
        json={"trip_id": trip["id"]},
        headers=Api.auth(traveller),
    )

    assert read.status_code == booked.status_code == 422
    assert read.get_json()["errors"] == {"expand": ["Unknown field."]}
    assert booked.get_json()["errors"] == {"dry_run": ["Unknown field."]}
    assert client.get("/api/v1/bookings", headers=Api.auth(traveller)).get_json()["items"] == []


def test_an_anonymous_caller_still_gets_401_first(client: FlaskClient) -> None:
    response = client.get("/api/v1/users/me", query_string={"fields": "email"})

    assert response.status_code == 401
