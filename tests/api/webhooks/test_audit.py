"""Webhook endpoint changes through HTTP, each with its audit entry: who, on what, what changed,
from which request; never the secret; a change refused or rolled back leaves no entry."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.audit_support import actor_of, audit_entries, by, the_entry
from tests.api.conftest import Api
from tests.api.webhook_support import ENDPOINTS, register, send
from tests.support.webhook_receiver import Receiver

URL = "https://hooks.example.com/travellr"


def webhook_entries(api: Api, admin: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        entry
        for entry in audit_entries(api, admin)
        if entry["subject_type"] in ("webhook_endpoint", "webhook_delivery")
    ]


def test_a_vendor_creating_an_endpoint_records_its_fields_and_the_request(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")

    response = api.client.post(
        ENDPOINTS,
        json={"url": URL, "events": ["booking.created", "booking.cancelled"], "description": "ops"},
        headers={**api.auth(vendor), "X-Request-ID": "req-hook-1"},
    )

    assert response.status_code == 201, response.get_json()
    endpoint = response.get_json()
    entry = the_entry(api, admin, "webhook_endpoint.created", endpoint["id"])
    assert actor_of(entry) == by(vendor, "vendor")
    assert entry["subject_type"] == "webhook_endpoint"
    assert entry["changes"] == {
        "owner_id": [None, vendor["user"]["id"]],
        "url": [None, URL],
        "events": [None, ["booking.created", "booking.cancelled"]],
        "description": [None, "ops"],
        "enabled": [None, True],
    }
    assert entry["request_id"] == "req-hook-1"
    assert entry["ip"] == "127.0.0.1"


def test_an_update_records_only_the_fields_it_changed(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, URL, ["booking.created"], description="ops")

    response = api.client.put(
        f"{ENDPOINTS}/{endpoint['id']}",
        json={
            "url": "https://hooks.example.com/v2",
            "events": ["*"],
            "description": "ops",
            "enabled": False,
        },
        headers=api.auth(admin),
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "webhook_endpoint.updated", endpoint["id"])
    assert actor_of(entry) == by(admin, "admin")
    assert entry["subject_type"] == "webhook_endpoint"
    assert entry["changes"] == {
        "url": [URL, "https://hooks.example.com/v2"],
        "events": [["booking.created"], ["*"]],
        "enabled": [True, False],
    }


def test_an_update_that_changes_nothing_records_nothing(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, URL, description="same")

    response = api.client.put(
        f"{ENDPOINTS}/{endpoint['id']}", json={"description": "same"}, headers=api.auth(vendor)
    )

    assert response.status_code == 200
    assert audit_entries(api, admin, action="webhook_endpoint.updated") == []


def test_a_deletion_records_what_the_endpoint_was(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, URL, ["payout.paid"])

    response = api.client.delete(f"{ENDPOINTS}/{endpoint['id']}", headers=api.auth(vendor))

    assert response.status_code == 204
    entry = the_entry(api, admin, "webhook_endpoint.deleted", endpoint["id"])
    assert actor_of(entry) == by(vendor, "vendor")
    assert entry["changes"] == {
        "owner_id": [vendor["user"]["id"], None],
        "url": [URL, None],
        "events": [["payout.paid"], None],
        "enabled": [True, None],
    }


def test_a_rotation_records_that_it_happened_and_no_secret(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, URL)

    response = api.client.post(
        f"{ENDPOINTS}/{endpoint['id']}/rotate-secret",
        headers={**api.auth(vendor), "X-Request-ID": "req-rotate"},
    )

    assert response.status_code == 200
    entry = the_entry(api, admin, "webhook_endpoint.secret_rotated", endpoint["id"])
    assert actor_of(entry) == by(vendor, "vendor")
    assert entry["subject_type"] == "webhook_endpoint"
    assert entry["changes"] == {}
    assert entry["request_id"] == "req-rotate"


def test_a_ping_records_the_delivery_it_made(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, URL)

    response = api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))

    assert response.status_code == 202
    entry = the_entry(api, admin, "webhook_endpoint.pinged", endpoint["id"])
    assert actor_of(entry) == by(vendor, "vendor")
    assert entry["changes"] == {"delivery_id": [None, response.get_json()["id"]]}


def test_a_retry_records_the_delivery_made_due_again(
    api: Api, app: Flask, receiver: Receiver
) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    endpoint = register(api, vendor, receiver.url)
    base = f"{ENDPOINTS}/{endpoint['id']}"
    delivery = api.client.post(f"{base}/test", headers=api.auth(vendor)).get_json()
    assert send(app) == 1  # delivered: the retry sends it again

    response = api.client.post(f"{base}/deliveries/{delivery['id']}/retry", headers=api.auth(admin))

    assert response.status_code == 202
    entry = the_entry(api, admin, "webhook_delivery.retried", delivery["id"])
    assert actor_of(entry) == by(admin, "admin")
    assert entry["subject_type"] == "webhook_delivery"
    assert entry["changes"]["status"] == ["succeeded", "pending"]
    assert list(entry["changes"]) == ["status", "next_attempt_at"]
    assert entry["changes"]["next_attempt_at"][0] is None


def test_refused_changes_leave_no_entry(api: Api) -> None:
    admin, vendor, other = api.admin(), api.register("vendor"), api.register("vendor")
    endpoints = [register(api, vendor, f"{URL}/{n}") for n in range(20)]
    before = webhook_entries(api, admin)
    base = f"{ENDPOINTS}/{endpoints[0]['id']}"

    refused = [
        api.client.post(ENDPOINTS, json={"url": URL, "events": ["*"]}, headers=api.auth(vendor)),
        api.client.post(
            ENDPOINTS,
            json={"url": "https://user:pass@hooks.example.com/", "events": ["*"]},
            headers=api.auth(other),
        ),
        api.client.post(
            ENDPOINTS, json={"url": URL, "events": ["trip.eaten"]}, headers=api.auth(other)
        ),
        api.client.put(base, json={"url": "gopher://x"}, headers=api.auth(vendor)),
        api.client.put(base, json={"description": "not mine"}, headers=api.auth(other)),
        api.client.delete(base, headers=api.auth(other)),
        api.client.post(f"{base}/rotate-secret", headers=api.auth(other)),
        api.client.post(f"{base}/test", headers=api.auth(other)),
        api.client.post(f"{base}/deliveries/{endpoints[1]['id']}/retry", headers=api.auth(vendor)),
    ]

    assert [r.status_code for r in refused] == [422, 422, 422, 422, 404, 404, 404, 404, 404]
    assert refused[0].get_json()["code"] == "too_many_endpoints"
    assert webhook_entries(api, admin) == before
    listed = api.client.get(ENDPOINTS, query_string={"limit": 100}, headers=api.auth(vendor))
    assert len(listed.get_json()["items"]) == 20
