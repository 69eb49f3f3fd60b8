"""Reading, changing and deactivating accounts: self, other users and admins."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import book, book_paid, get_trip, make_trip
from travellr.domain.users import User

ME = "/api/v1/users/me"
LOGIN = "/api/v1/auth/login"
USER_FIELDS = {"id", "email", "name", "phone", "role", "is_active", "created_at", "updated_at"}


def _user(account: dict[str, Any]) -> str:
    return f"/api/v1/users/{account['user']['id']}"


def _login(client: FlaskClient, email: str, password: str) -> Any:
    return client.post(LOGIN, json={"email": email, "password": password})


def test_a_user_reads_themselves_by_me_and_by_id(api: Api, client: FlaskClient) -> None:
    account = api.register(phone="+447700900123")

    by_me = client.get(ME, headers=Api.auth(account))
    by_id = client.get(_user(account), headers=Api.auth(account))

    assert by_me.status_code == by_id.status_code == 200
    assert by_me.get_json() == by_id.get_json()
    assert set(by_me.get_json()) == USER_FIELDS
    assert by_me.get_json()["email"] == account["user"]["email"]
    assert by_me.get_json()["phone"] == "+447700900123"
    assert by_me.get_json()["created_at"].endswith("Z")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_traveller_gets_404_for_another_user(api: Api, client: FlaskClient, method: str) -> None:
    me, other = api.register(), api.register()
    body = {"json": {"name": "Hijacked"}} if method == "put" else {}

    response = getattr(client, method)(_user(other), headers=Api.auth(me), **body)
    missing = getattr(client, method)(f"/api/v1/users/{uuid.uuid4()}", headers=Api.auth(me), **body)

    assert response.status_code == 404
    assert response.get_json() == missing.get_json()
    assert client.get(ME, headers=Api.auth(other)).get_json()["name"] == "Test User"


def test_an_admin_reads_and_changes_anyone(api: Api, client: FlaskClient) -> None:
    admin, user = api.admin(), api.register()

    read = client.get(_user(user), headers=Api.auth(admin))
    changed = client.put(
        _user(user),
        json={"role": "vendor", "name": "Promoted", "is_active": False},
        headers=Api.auth(admin),
    )

    assert read.status_code == 200
    assert read.get_json()["email"] == user["user"]["email"]
    assert changed.status_code == 200
    assert changed.get_json()["role"] == "vendor"
    assert changed.get_json()["name"] == "Promoted"
    assert changed.get_json()["is_active"] is False
    assert client.get(ME, headers=Api.auth(user)).status_code == 401


def test_a_user_changes_their_name_and_phone(api: Api, client: FlaskClient) -> None:
    account = api.register()

    response = client.put(
        ME, json={"name": "New Name", "phone": "+33612345678"}, headers=Api.auth(account)
    )

    assert response.status_code == 200
    assert response.get_json()["name"] == "New Name"
    assert response.get_json()["phone"] == "+33612345678"
    assert response.get_json()["updated_at"] >= response.get_json()["created_at"]
    assert client.get(ME, headers=Api.auth(account)).get_json()["phone"] == "+33612345678"
    cleared = client.put(ME, json={"phone": None}, headers=Api.auth(account))
    assert cleared.get_json()["phone"] is None


@pytest.mark.parametrize(
    ("current", "code", "message"),
    [
        (None, "current_password_required", "Missing data for required field."),
        ("WrongPass123", "wrong_current_password", "Is wrong."),
    ],
    ids=["missing", "wrong"],
)
def test_a_new_password_needs_the_right_current_one(
    api: Api, client: FlaskClient, current: str | None, code: str, message: str
) -> None:
    """Without current_password the 422 says it is required, not that it is wrong."""
    account = api.register()
    body = {"password": "BrandNewPass1"}
    if current is not None:
        body["current_password"] = current

    response = client.put(ME, json=body, headers=Api.auth(account))

    assert response.status_code == 422
    assert response.get_json()["code"] == code
    assert response.get_json()["errors"] == {"current_password": [message]}
    assert _login(client, account["user"]["email"], "BrandNewPass1").status_code == 401
    assert _login(client, account["user"]["email"], account["password"]).status_code == 200


def test_a_password_change_swaps_which_password_logs_in(api: Api, client: FlaskClient) -> None:
    account = api.register()

    response = client.put(
        ME,
        json={"password": "BrandNewPass1", "current_password": account["password"]},
        headers=Api.auth(account),
    )

    assert response.status_code == 200
    assert _login(client, account["user"]["email"], "BrandNewPass1").status_code == 200
    assert _login(client, account["user"]["email"], account["password"]).status_code == 401


@pytest.mark.parametrize(
    ("field", "value"), [("role", "vendor"), ("role", "admin"), ("is_active", False)]
)
@pytest.mark.parametrize("path", ["me", "id"])
def test_a_non_admin_may_not_send_role_or_is_active(
    api: Api, client: FlaskClient, field: str, value: object, path: str
) -> None:
    account = api.register(role="vendor" if value == "vendor" else "traveler")
    url = ME if path == "me" else _user(account)

    response = client.put(url, json={field: value}, headers=Api.auth(account))

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    assert field in response.get_json()["detail"]
    me = client.get(ME, headers=Api.auth(account)).get_json()
    assert (me["role"], me["is_active"]) == (account["user"]["role"], True)


def test_an_admin_may_not_be_made_by_registration_or_self_service(
    api: Api, client: FlaskClient
) -> None:
    vendor = api.register(role="vendor")

    client.put(ME, json={"role": "admin"}, headers=Api.auth(vendor))
    client.put(_user(vendor), json={"role": "admin"}, headers=Api.auth(vendor))

    assert client.get(ME, headers=Api.auth(vendor)).get_json()["role"] == "vendor"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "00000000-0000-0000-0000-000000000000"),
        ("email", "new@example.com"),
        ("created_at", "2020-01-01T00:00:00Z"),
        ("updated_at", "2020-01-01T00:00:00Z"),
        ("password_hash", "x"),
    ],
)
@pytest.mark.parametrize("as_admin", [False, True], ids=["self", "admin"])
def test_read_only_fields_are_unknown_fields(
    api: Api, client: FlaskClient, field: str, value: str, as_admin: bool
) -> None:
    account = api.register()
    caller = api.admin() if as_admin else account

    response = client.put(_user(account), json={field: value}, headers=Api.auth(caller))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]
    assert client.get(ME, headers=Api.auth(account)).get_json() == account["user"]


def test_deleting_yourself_deactivates_and_kills_your_tokens(api: Api, client: FlaskClient) -> None:
    account = api.register()

    assert client.delete(ME, headers=Api.auth(account)).status_code == 204
    assert client.get(ME, headers=Api.auth(account)).status_code == 401
    assert _login(client, account["user"]["email"], account["password"]).status_code == 401


def test_an_admin_deleting_a_user_kills_that_users_tokens(api: Api, client: FlaskClient) -> None:
    admin, user = api.admin(), api.register()

    assert client.delete(_user(user), headers=Api.auth(admin)).status_code == 204
    assert client.get(ME, headers=Api.auth(user)).status_code == 401
    shown = client.get(_user(user), headers=Api.auth(admin)).get_json()
    assert shown["is_active"] is False
    assert client.get(ME, headers=Api.auth(admin)).status_code == 200


@pytest.mark.parametrize("how", ["delete me", "admin delete", "admin put"])
def test_deactivation_cancels_pending_bookings_and_gives_back_their_seats(
    api: Api, client: FlaskClient, how: str
) -> None:
    traveller, admin = api.register(), api.admin()
    trip = make_trip(api, api.register("vendor"), capacity=5)
    held = [book(api, traveller, trip, seats=2), book(api, traveller, trip, seats=1)]
    paid = book_paid(api, traveller, trip, seats=1)

    if how == "delete me":
        response = client.delete(ME, headers=Api.auth(traveller))
    elif how == "admin delete":
        response = client.delete(_user(traveller), headers=Api.auth(admin))
    else:
        response = client.put(_user(traveller), json={"is_active": False}, headers=Api.auth(admin))

    assert response.status_code in (200, 204)
    statuses = [
        client.get(f"/api/v1/bookings/{b['id']}", headers=Api.auth(admin)).get_json()["status"]
        for b in [*held, paid]
    ]
    assert statuses == ["cancelled", "cancelled", "confirmed"]
    assert get_trip(api, trip)["seats_left"] == 5 - 1


def test_a_password_change_ends_every_session(api: Api, client: FlaskClient) -> None:
    account = api.register()
    email = account["user"]["email"]
    other_session = _login(client, email, account["password"]).get_json()

    response = client.put(
        ME,
        json={"password": "BrandNewPass1", "current_password": account["password"]},
        headers=Api.auth(account),
    )

    assert response.status_code == 200
    assert client.get(ME, headers=Api.auth(other_session)).status_code == 401
    assert client.get(ME, headers=Api.auth(account)).status_code == 401
    fresh = _login(client, email, "BrandNewPass1").get_json()
    assert client.get(ME, headers=Api.auth(fresh)).status_code == 200


def test_a_deactivated_user_cannot_reactivate_themselves(api: Api, client: FlaskClient) -> None:
    account = api.register()
    client.delete(ME, headers=Api.auth(account))

    response = client.put(ME, json={"is_active": True}, headers=Api.auth(account))

    assert response.status_code == 401
    assert _login(client, account["user"]["email"], account["password"]).status_code == 401


def test_reactivation_by_an_admin_allows_new_logins_only(api: Api, client: FlaskClient) -> None:
    admin, user = api.admin(), api.register()
    client.delete(ME, headers=Api.auth(user))

    response = client.put(_user(user), json={"is_active": True}, headers=Api.auth(admin))
    fresh = _login(client, user["user"]["email"], user["password"])

    assert response.status_code == 200
    assert response.get_json()["is_active"] is True
    assert client.get(ME, headers=Api.auth(user)).status_code == 401
    assert fresh.status_code == 200
    assert client.get(ME, headers=Api.auth(fresh.get_json())).status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "me2", "0000-zzzz"])
def test_a_malformed_id_is_a_404_problem(
    api: Api, client: FlaskClient, method: str, bad_id: str
) -> None:
    admin = api.admin()
    body = {"json": {"name": "X"}} if method == "put" else {}

    response = getattr(client, method)(f"/api/v1/users/{bad_id}", headers=Api.auth(admin), **body)

    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_no_response_ever_carries_a_password_hash(api: Api, client: FlaskClient) -> None:
    admin, account = api.admin(), api.register()
    bodies = [
        client.get(ME, headers=Api.auth(account)).get_data(as_text=True),
        client.put(ME, json={"name": "N"}, headers=Api.auth(account)).get_data(as_text=True),
        client.get(_user(account), headers=Api.auth(admin)).get_data(as_text=True),
        _login(client, account["user"]["email"], account["password"]).get_data(as_text=True),
    ]

    for body in bodies:
        assert "password" not in body
        assert "$2b$" not in body


def test_only_an_admin_sets_a_vendors_payout_account(api: Api, client: FlaskClient) -> None:
    vendor, admin = api.register("vendor"), api.admin()
    own = client.put(ME, json={"payout_account": "acct_mine"}, headers=Api.auth(vendor))
    assert own.status_code == 422
    assert own.get_json()["errors"] == {"payout_account": ["Unknown field."]}

    by_admin = client.put(
        _user(vendor), json={"payout_account": "acct_1Vendor"}, headers=Api.auth(admin)
    )

    assert by_admin.status_code == 200
    assert "payout_account" not in by_admin.get_json()  # write-only: not part of the user
    services = api.app.extensions["travellr"]
    with services.session_factory() as session:
        stored = session.get(User, uuid.UUID(vendor["user"]["id"]))
        assert stored is not None
        assert stored.payout_account == "acct_1Vendor"
