"""GET /admin/audit-log: admins only, read only, filters and keyset pages; entries exist only
with their change, and never hold a password, hash, token or secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.api.audit_support import AUDIT, actor_of, audit_entries, the_entry
from tests.api.conftest import PASSWORD, Api
from tests.api.factories import BOOKINGS, TRIPS, book_paid, make_trip, walk
from tests.api.webhook_support import ENDPOINTS, use_known_hosts
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.cli import main
from travellr.config import Settings
from travellr.domain.errors import PaymentGatewayError
from travellr.domain.money import Money
from travellr.infrastructure.db import tables

USERS = "/api/v1/users"


class RefundsFail:
    """The real gateway, except that refunds fail after the cancellation has been decided."""

    def __init__(self, real: Any) -> None:
        self.real, self.name = real, real.name

    def charge(self, **kwargs: Any) -> Any:
        return self.real.charge(**kwargs)

    def refund(self, *, provider_ref: str, amount: Money, idempotency_key: str) -> str:
        raise PaymentGatewayError("the payment provider is unavailable")


def _rows(app: Flask) -> list[dict[str, Any]]:
    with app.extensions["travellr"].engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(tables.audit_log)).mappings()]


def test_a_change_rolled_back_leaves_no_entry(api: Api) -> None:
    admin, traveller = api.admin(), api.register()
    booking = book_paid(api, traveller, make_trip(api, api.register("vendor")))
    services = api.app.extensions["travellr"]
    real, services.gateway = services.gateway, RefundsFail(services.gateway)
    before = len(_rows(api.app))

    response = api.client.post(
        f"{BOOKINGS}/{booking['id']}/cancel", json={}, headers=api.auth(admin)
    )

    services.gateway = real
    assert response.status_code == 502
    still = api.client.get(f"{BOOKINGS}/{booking['id']}", headers=api.auth(admin)).get_json()
    assert still["status"] == "confirmed"
    assert len(_rows(api.app)) == before
    assert audit_entries(api, admin, subject_id=booking["id"]) == []


def test_no_entry_holds_a_password_hash_token_or_secret(api: Api, settings: Settings) -> None:
    admin, traveller, vendor = api.admin(), api.register(), api.register("vendor")
    booking = book_paid(api, api.register(), make_trip(api, vendor))
    api.client.post(f"{BOOKINGS}/{booking['id']}/cancel", json={}, headers=api.auth(vendor))
    webhook_secrets = _endpoint_created_and_rotated(api, vendor)
    new_password = "N3w-Pa55word-äö!"
    changed = api.client.put(
        f"{USERS}/me",
        json={"password": new_password, "current_password": PASSWORD},
        headers=api.auth(traveller),
    )
    assert changed.status_code == 200
    api.client.put(
        f"{USERS}/{vendor['user']['id']}",
        json={"password": "Admin-Set-Passw0rd", "payout_account": "acct_1Audit", "name": "V"},
        headers=api.auth(admin),
    )
    api.client.delete(f"{USERS}/{vendor['user']['id']}", headers=api.auth(admin))
    with api.app.extensions["travellr"].engine.connect() as connection:
        hashes = list(connection.scalars(select(tables.users.c.password_hash)))
        sealed = list(connection.scalars(select(tables.webhook_endpoints.c.secret_encrypted)))

    served = json.dumps(audit_entries(api, admin))
    stored = json.dumps(_rows(api.app), default=str)

    secrets = [PASSWORD, new_password, "Admin-Set-Passw0rd", settings.secret_key, *hashes]
    secrets += [account["access_token"] for account in (admin, traveller, vendor)]
    secrets += [*webhook_secrets, *sealed]
    assert len(audit_entries(api, admin, action="user.updated")) == 2
    assert len(audit_entries(api, admin, action="webhook_endpoint.secret_rotated")) == 1
    assert sealed
    for secret in secrets:
        assert secret not in served
        assert secret not in stored
        assert json.dumps(secret)[1:-1] not in served + stored  # as JSON escapes it, too


def _endpoint_created_and_rotated(api: Api, owner: dict[str, Any]) -> list[str]:
    """The secrets a webhook endpoint had: the one made with it and the one it was rotated to."""
    use_known_hosts(api.app)
    created = api.client.post(
        ENDPOINTS,
        json={"url": "https://hooks.example.com/audit", "events": ["*"]},
        headers=api.auth(owner),
    )
    assert created.status_code == 201, created.get_json()
    endpoint = created.get_json()
    rotated = api.client.post(
        f"{ENDPOINTS}/{endpoint['id']}/rotate-secret", headers=api.auth(owner)
    )
    assert rotated.status_code == 200
    return [endpoint["secret"], rotated.get_json()["secret"]]


def test_filters_narrow_the_log_and_pages_run_newest_first(api: Api) -> None:
    admin, vendor, other = api.admin(), api.register("vendor"), api.register("vendor")
    trips = [make_trip(api, vendor, title=f"Trip {n}") for n in range(5)]
    make_trip(api, other)
    api.client.delete(f"{TRIPS}/{trips[0]['id']}", headers=api.auth(vendor))

    mine = audit_entries(api, admin, actor_id=vendor["user"]["id"])
    created = audit_entries(api, admin, action="trip.created", limit=2)
    about_one = audit_entries(api, admin, subject_type="trip", subject_id=trips[0]["id"])

    assert len(mine) == 6
    assert {e["actor_id"] for e in mine} == {vendor["user"]["id"]}
    assert len(created) == 6
    assert {e["action"] for e in created} == {"trip.created"}
    assert [e["at"] for e in created] == sorted((e["at"] for e in created), reverse=True)
    assert [e["action"] for e in about_one] == ["trip.archived", "trip.created"]
    _items, pages = walk(api.client, AUDIT, api.auth(admin), action="trip.created", limit=2)
    assert pages == 3
    assert audit_entries(api, admin, subject_type="payout") == []


def test_time_filters_bound_the_entries(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    trip = make_trip(api, vendor)
    at = the_entry(api, admin, "trip.created", trip["id"])["at"]
    moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    just_after = (moment + timedelta(microseconds=1)).isoformat()
    today, tomorrow = moment.date().isoformat(), (moment.date() + timedelta(days=1)).isoformat()

    def ids(**bounds: str) -> list[str]:
        return [e["subject_id"] for e in audit_entries(api, admin, action="trip.created", **bounds)]

    assert ids(**{"from": at, "to": at}) == [trip["id"]]
    assert ids(**{"from": just_after}) == []
    assert ids(to=(moment - timedelta(seconds=1)).isoformat()) == []
    assert ids(**{"from": today, "to": today}) == [trip["id"]]
    assert ids(**{"from": tomorrow}) == []


@pytest.mark.parametrize(
    "query",
    [
        {"actor_id": "not-a-uuid"},
        {"from": "yesterday"},
        {"cursor": "bm90IGEgY3Vyc29y"},
        {"limit": 0},
        {"limit": 101},
        {"action": "x" * 51},
    ],
)
def test_bad_filters_are_422_naming_them(api: Api, query: dict[str, Any]) -> None:
    response = api.client.get(AUDIT, query_string=query, headers=api.auth(api.admin()))

    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert set(response.get_json()["errors"]) == set(query)


def test_only_admins_read_the_log(api: Api) -> None:
    for account in (api.register(), api.register("vendor")):
        response = api.client.get(AUDIT, headers=api.auth(account))
        assert response.status_code == 403
        assert response.get_json()["code"] == "forbidden"
    assert api.client.get(AUDIT).status_code == 401


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_entries_cannot_be_changed_or_deleted(api: Api, method: str) -> None:
    admin = api.admin()
    make_trip(api, api.register("vendor"))
    before = audit_entries(api, admin)

    response = getattr(api.client, method)(AUDIT, json={}, headers=api.auth(admin))

    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert audit_entries(api, admin) == before


@pytest.mark.parametrize(("proxies", "recorded"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_the_address_is_the_one_trusted_proxies_resolve(
    database_url: str, proxies: int, recorded: str
) -> None:
    app = create_app(make_settings(database_url, trusted_proxies=proxies))
    api = Api(app, app.test_client())
    admin, vendor = api.admin(), api.register("vendor")
    forwarded = {**api.auth(vendor), "X-Forwarded-For": "203.0.113.9"}

    response = api.client.post(TRIPS, json=_trip(), headers=forwarded)

    assert response.status_code == 201, response.get_json()
    assert the_entry(api, admin, "trip.created", response.get_json()["id"])["ip"] == recorded
    app.extensions["travellr"].engine.dispose()


def test_create_admin_is_recorded_as_the_system(
    api: Api, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {
        "TRAVELLR_ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-of-at-least-32-characters!",
        "BCRYPT_ROUNDS": "4",
    }
    email = f"ops-{uuid4().hex[:8]}@example.com"
    result = CliRunner().invoke(
        main,
        ["create-admin", "--email", email, "--name", "Ops", "--password", "Cli-Passw0rd!"],
        env=env,
    )

    assert result.exit_code == 0, result.output
    created = audit_entries(api, api.admin(), action="user.created")
    (entry,) = [e for e in created if e["changes"]["email"] == [None, email]]
    assert actor_of(entry) == {"actor_id": None, "actor_role": "system"}
    assert entry["reason"] == "travellr create-admin"
    assert entry["changes"]["role"] == [None, "admin"]
    assert "Cli-Passw0rd!" not in json.dumps(entry)


def _trip() -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(days=20)
    return {
        "title": "Fjords",
        "destination": "Bergen",
        "start_at": start.isoformat(),
        "price": "99.00",
        "capacity": 4,
    }
