"""Admin lists: every user and booking, the contract's filters, keyset pages, admins only."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import book, book_paid, later, make_trip, walk

ADMIN = "/api/v1/admin"
USERS = f"{ADMIN}/users"
BOOKINGS = f"{ADMIN}/bookings"
ANALYTICS = f"{ADMIN}/analytics"
USER_FIELDS = ["id", "email", "name", "phone", "role", "is_active", "created_at", "updated_at"]


def _items(api: Api, url: str, account: dict[str, Any], **query: Any) -> list[Any]:
    response = api.client.get(url, query_string=query, headers=Api.auth(account))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def _ids(api: Api, url: str, account: dict[str, Any], **query: Any) -> list[str]:
    return [item["id"] for item in _items(api, url, account, **query)]


@pytest.mark.parametrize("role", ["traveler", "vendor"])
@pytest.mark.parametrize("url", [USERS, BOOKINGS, ANALYTICS])
def test_any_role_but_admin_gets_403_from_admin_endpoints(
    api: Api, client: FlaskClient, role: str, url: str
) -> None:
    account = api.register(role=role)

    response = client.get(url, headers=Api.auth(account))

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


@pytest.mark.parametrize("url", [USERS, BOOKINGS, ANALYTICS])
def test_admin_endpoints_without_a_token_answer_401(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 401


def test_an_admin_lists_users_newest_first_without_secrets(api: Api) -> None:
    admin = api.admin()
    first, second = api.register(), api.register(role="vendor")

    users = _items(api, USERS, admin)

    assert [user["id"] for user in users[:3]] == [
        second["user"]["id"],
        first["user"]["id"],
        admin["user"]["id"],
    ]
    assert all(list(user) == USER_FIELDS for user in users)
    assert users[0] == second["user"]


def test_users_are_filtered_by_role_and_activity(api: Api, client: FlaskClient) -> None:
    admin = api.admin()
    vendor, gone_vendor, traveller = (
        api.register(role="vendor"),
        api.register(role="vendor"),
        api.register(),
    )
    deleted = client.delete(f"/api/v1/users/{gone_vendor['user']['id']}", headers=Api.auth(admin))
    assert deleted.status_code == 204

    assert _ids(api, USERS, admin, role="vendor") == [
        gone_vendor["user"]["id"],
        vendor["user"]["id"],
    ]
    assert _ids(api, USERS, admin, role="vendor", is_active="false") == [gone_vendor["user"]["id"]]
    assert _ids(api, USERS, admin, role="traveler", is_active="true") == [traveller["user"]["id"]]
    assert _ids(api, USERS, admin, role="admin") == [admin["user"]["id"]]


def test_q_is_a_case_insensitive_literal_substring_of_email_or_name(api: Api) -> None:
    admin = api.admin()
    by_name = api.register(name="Zoë Mountaineer")
    by_email = api.register(email="alpine.guide@example.com")
    odd = api.register(name="100% Sure_Thing")
    accented = api.register(name="Élodie Durand")

    assert _ids(api, USERS, admin, q="MOUNTAIN") == [by_name["user"]["id"]]
    assert _ids(api, USERS, admin, q="élodie") == [accented["user"]["id"]]  # not ASCII only
    assert _ids(api, USERS, admin, q="Alpine.GUIDE@") == [by_email["user"]["id"]]
    assert _ids(api, USERS, admin, q="%") == [odd["user"]["id"]]
    assert _ids(api, USERS, admin, q="e_t") == [odd["user"]["id"]]
    assert _ids(api, USERS, admin, q="nobody-has-this") == []


def test_users_are_walked_page_by_page_newest_first(api: Api, client: FlaskClient) -> None:
    admin = api.admin()
    registered = [api.register()["user"]["id"] for _ in range(5)]

    users, pages = walk(client, USERS, Api.auth(admin), limit=2)

    assert pages == 3
    assert [user["id"] for user in users] == [*reversed(registered), admin["user"]["id"]]


@pytest.mark.parametrize(
    "query",
    [
        {"role": "superuser"},
        {"is_active": "maybe"},
        {"q": ""},
        {"q": "a\u0000b"},
        {"limit": "0"},
        {"cursor": "not-a-cursor"},
    ],
)
def test_an_invalid_user_filter_is_422(
    api: Api, client: FlaskClient, query: dict[str, str]
) -> None:
    response = client.get(USERS, query_string=query, headers=Api.auth(api.admin()))

    assert response.status_code == 422
    assert next(iter(query)) in response.get_json()["errors"]


def test_an_admin_lists_every_booking_newest_first(api: Api) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")
    trip = make_trip(api, vendor)
    older = book(api, api.register(), trip)
    newer = book_paid(api, api.register(), trip)

    assert _items(api, BOOKINGS, admin) == [newer, older]


def test_bookings_are_filtered_by_user_vendor_trip_and_status(api: Api) -> None:
    admin = api.admin()
    vendor, other_vendor = api.register(role="vendor"), api.register(role="vendor")
    trip, other_trip = make_trip(api, vendor), make_trip(api, other_vendor)
    alice, bob = api.register(), api.register()
    alice_pending = book(api, alice, trip)
    alice_paid = book_paid(api, alice, other_trip)
    bob_paid = book_paid(api, bob, trip)

    assert _ids(api, BOOKINGS, admin, user_id=alice["user"]["id"]) == [
        alice_paid["id"],
        alice_pending["id"],
    ]
    assert _ids(api, BOOKINGS, admin, vendor_id=vendor["user"]["id"]) == [
        bob_paid["id"],
        alice_pending["id"],
    ]
    assert _ids(api, BOOKINGS, admin, trip_id=other_trip["id"]) == [alice_paid["id"]]
    assert _ids(api, BOOKINGS, admin, status="confirmed", vendor_id=vendor["user"]["id"]) == [
        bob_paid["id"]
    ]
    assert _ids(api, BOOKINGS, admin, user_id=bob["user"]["id"], status="pending") == []


def test_bookings_are_found_by_the_travellers_email(api: Api, client: FlaskClient) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")
    trip = make_trip(api, vendor)
    alice, bob = api.register(), api.register()
    alice_pending = book(api, alice, trip)
    alice_paid = book_paid(api, alice, trip)
    book_paid(api, bob, trip)
    email = alice["user"]["email"]

    assert _ids(api, BOOKINGS, admin, user_email=email.upper()) == [
        alice_paid["id"],
        alice_pending["id"],
    ]
    assert _ids(api, BOOKINGS, admin, user_email=email, status="pending") == [alice_pending["id"]]
    assert _ids(api, BOOKINGS, admin, user_email="nobody@example.com") == []
    assert _ids(api, BOOKINGS, admin, user_email=vendor["user"]["email"]) == []
    refused = client.get(
        BOOKINGS, query_string={"user_email": "alice"}, headers=Api.auth(admin)
    ).get_json()
    assert refused["status"] == 422
    assert "user_email" in str(refused)


def test_bookings_from_and_to_bound_the_trip_date_by_whole_days(api: Api) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")
    early = make_trip(api, vendor, start_at=later(days=10), end_at=None)
    late = make_trip(api, vendor, start_at=later(days=20), end_at=None)
    on_early, on_late = book(api, api.register(), early), book(api, api.register(), late)
    first_day = on_early["trip_date"][:10]
    last_day = on_late["trip_date"][:10]

    assert _ids(api, BOOKINGS, admin, to=first_day) == [on_early["id"]]
    assert _ids(api, BOOKINGS, admin, **{"from": last_day}) == [on_late["id"]]
    assert _ids(api, BOOKINGS, admin, **{"from": first_day, "to": last_day}) == [
        on_late["id"],
        on_early["id"],
    ]


def test_bookings_are_walked_page_by_page_without_repeats(api: Api, client: FlaskClient) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")
    trip = make_trip(api, vendor)
    made = [book(api, api.register(), trip)["id"] for _ in range(5)]

    bookings, pages = walk(client, BOOKINGS, Api.auth(admin), limit=2)

    assert pages == 3
    assert [booking["id"] for booking in bookings] == list(reversed(made))


@pytest.mark.parametrize(
    "query",
    [
        {"user_id": "x"},
        {"vendor_id": "1"},
        {"status": "lost"},
        {"from": "soon"},
        {"limit": "101"},
        {"to": "9999-12-31"},
        {"to": "9999-12-31T23:59:59.999999Z"},
        {"from": "0001-01-01T00:00:00+01:00"},
    ],
)
def test_an_invalid_booking_filter_is_422(
    api: Api, client: FlaskClient, query: dict[str, str]
) -> None:
    response = client.get(BOOKINGS, query_string=query, headers=Api.auth(api.admin()))

    assert response.status_code == 422
    assert next(iter(query)) in response.get_json()["errors"]


def test_the_openapi_document_describes_the_admin_endpoints_and_their_403(
    client: FlaskClient,
) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    for path in ("/api/v1/admin/users", "/api/v1/admin/bookings", "/api/v1/admin/analytics"):
        assert "403" in paths[path]["get"]["responses"]
        assert paths[path]["get"]["security"] == [{"bearerAuth": []}]
    parameters = {p["name"] for p in paths["/api/v1/admin/bookings"]["get"]["parameters"]}
    assert {"status", "user_id", "vendor_id", "trip_id", "from", "to"} <= parameters
