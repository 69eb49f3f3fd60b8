"""Notification preferences and push devices of the signed-in user."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api

PREFS = "/api/v1/users/me/notification-preferences"
DEVICES = "/api/v1/users/me/devices"


def _register_device(client: FlaskClient, account: dict[str, Any], token: str, **extra: Any) -> Any:
    body = {"token": token, "platform": "android", **extra}
    return client.post(DEVICES, json=body, headers=Api.auth(account))


def _tokens(client: FlaskClient, account: dict[str, Any]) -> list[str]:
    response = client.get(DEVICES, headers=Api.auth(account))
    assert response.status_code == 200
    return [device["token"] for device in response.get_json()["items"]]


def test_preferences_start_as_email_and_push_without_sms(api: Api, client: FlaskClient) -> None:
    response = client.get(PREFS, headers=Api.auth(api.register()))

    assert response.status_code == 200
    assert response.get_json() == {"email": True, "sms": False, "push": True}


def test_a_put_changes_only_the_channels_it_names(api: Api, client: FlaskClient) -> None:
    account = api.register()

    changed = client.put(PREFS, json={"push": False}, headers=Api.auth(account))
    again = client.put(PREFS, json={"email": False}, headers=Api.auth(account))

    assert changed.status_code == 200
    assert changed.get_json() == {"email": True, "sms": False, "push": False}
    assert again.get_json() == {"email": False, "sms": False, "push": False}
    assert client.get(PREFS, headers=Api.auth(account)).get_json() == again.get_json()


def test_sms_needs_a_phone_on_the_account(api: Api, client: FlaskClient) -> None:
    without_phone, with_phone = api.register(), api.register(phone="+447700900123")

    refused = client.put(PREFS, json={"sms": True}, headers=Api.auth(without_phone))
    accepted = client.put(PREFS, json={"sms": True}, headers=Api.auth(with_phone))

    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    assert refused.get_json()["code"] == "sms_needs_phone"
    assert list(refused.get_json()["errors"]) == ["sms"]
    assert accepted.status_code == 200
    assert accepted.get_json()["sms"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [({"fax": True}, "fax"), ({"email": "yes"}, "email"), ({"push": 1}, "push")],
    ids=["unknown", "string", "integer"],
)
def test_preferences_take_json_booleans_and_nothing_else(
    api: Api, client: FlaskClient, body: dict[str, Any], field: str
) -> None:
    response = client.put(PREFS, json=body, headers=Api.auth(api.register()))

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == [field]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", PREFS, None),
        ("put", PREFS, {"sms": False}),
        ("get", DEVICES, None),
        ("post", DEVICES, {"token": "t", "platform": "web"}),
        ("delete", f"{DEVICES}/{uuid.uuid4()}", None),
    ],
)
def test_every_endpoint_needs_a_token(
    client: FlaskClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = getattr(client, method)(path, json=body)

    assert response.status_code == 401


def test_registering_a_device_twice_returns_the_same_device(api: Api, client: FlaskClient) -> None:
    account = api.register()

    first = _register_device(client, account, "fcm-token-1")
    second = _register_device(client, account, "fcm-token-1")

    assert first.status_code == 201
    device = first.get_json()
    assert set(device) == {"id", "token", "platform", "created_at"}
    assert (device["token"], device["platform"]) == ("fcm-token-1", "android")
    assert device["created_at"].endswith("Z")
    assert second.status_code == 200
    assert second.get_json() == device
    assert _tokens(client, account) == ["fcm-token-1"]


def test_a_token_registered_by_another_user_moves_to_the_caller(
    api: Api, client: FlaskClient
) -> None:
    before, after = api.register(), api.register()
    _register_device(client, before, "shared-phone")

    moved = _register_device(client, after, "shared-phone", platform="ios")

    assert moved.status_code == 201
    assert moved.get_json()["platform"] == "ios"
    assert _tokens(client, before) == []
    assert _tokens(client, after) == ["shared-phone"]


@pytest.mark.parametrize(
    "body",
    [
        {"token": "", "platform": "ios"},
        {"token": "x" * 4097, "platform": "ios"},
        {"token": "has space", "platform": "ios"},
        {"token": "t", "platform": "windows"},
        {"platform": "ios"},
        {"token": "t", "platform": "ios", "user_id": str(uuid.uuid4())},
    ],
    ids=["empty", "too-long", "space", "platform", "missing", "unknown-field"],
)
def test_a_malformed_device_is_refused(api: Api, client: FlaskClient, body: dict[str, Any]) -> None:
    response = client.post(DEVICES, json=body, headers=Api.auth(api.register()))

    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"


def test_a_token_of_4096_characters_is_accepted(api: Api, client: FlaskClient) -> None:
    account = api.register()
    token = uuid.uuid4().hex * 128  # incompressible enough to overflow a btree entry

    assert _register_device(client, account, token).status_code == 201
    assert _register_device(client, account, token).status_code == 200


def test_devices_are_listed_newest_first_a_page_at_a_time(api: Api, client: FlaskClient) -> None:
    account = api.register()
    for token in ("old", "middle", "new"):
        _register_device(client, account, token)

    first = client.get(f"{DEVICES}?limit=2", headers=Api.auth(account)).get_json()
    cursor = first["next_cursor"]
    rest = client.get(f"{DEVICES}?limit=2&cursor={cursor}", headers=Api.auth(account)).get_json()

    assert [d["token"] for d in first["items"]] == ["new", "middle"]
    assert [d["token"] for d in rest["items"]] == ["old"]
    assert rest["next_cursor"] is None


def test_a_user_removes_their_device_and_nobody_elses(api: Api, client: FlaskClient) -> None:
    owner, other = api.register(), api.register()
    device_id = _register_device(client, owner, "owned").get_json()["id"]

    by_other = client.delete(f"{DEVICES}/{device_id}", headers=Api.auth(other))
    by_owner = client.delete(f"{DEVICES}/{device_id}", headers=Api.auth(owner))
    again = client.delete(f"{DEVICES}/{device_id}", headers=Api.auth(owner))
    malformed = client.delete(f"{DEVICES}/not-a-uuid", headers=Api.auth(owner))

    assert by_other.status_code == 404
    assert by_owner.status_code == 204
    assert again.status_code == 404
    assert again.content_type == "application/problem+json"
    assert malformed.status_code == 404
    assert _tokens(client, owner) == []


def test_the_openapi_document_describes_the_endpoints(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    assert {"get", "put"} <= set(spec["paths"][PREFS])
    assert {"get", "post"} <= set(spec["paths"][DEVICES])
    assert "delete" in spec["paths"][f"{DEVICES}/{{device_id}}"]
    assert set(spec["paths"][DEVICES]["post"]["responses"]) >= {"200", "201", "422"}
