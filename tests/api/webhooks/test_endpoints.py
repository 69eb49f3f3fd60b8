"""Webhook endpoints through HTTP: registration rules, secrets, visibility, pings and retries.

The deliveries go to a real HTTP server on 127.0.0.1 (so these tests allow private addresses)
and are checked with the `standardwebhooks` library, as an integrator would.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from standardwebhooks import WebhookVerificationError

from tests.api.conftest import Api
from tests.api.webhook_support import ENDPOINTS, register, send, use_known_hosts, verify
from tests.conftest import make_settings
from tests.support.webhook_receiver import Receiver
from travellr.app import create_app


def test_a_vendor_registers_an_endpoint_and_sees_its_secret_once(api: Api) -> None:
    vendor = api.register("vendor")

    created = register(api, vendor, "https://hooks.example.com/travellr", ["booking.created"])

    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) >= 24
    assert created["events"] == ["booking.created"]
    assert created["enabled"] is True
    shown = api.client.get(f"{ENDPOINTS}/{created['id']}", headers=api.auth(vendor)).get_json()
    assert "secret" not in shown
    assert shown == {key: value for key, value in created.items() if key != "secret"}
    listed = api.client.get(ENDPOINTS, headers=api.auth(vendor)).get_json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert "secret" not in listed["items"][0]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "javascript:alert(1)",
        "https://user:pass@hooks.example.com/x",
        "https://" + "a" * 2050 + ".example.com/",
        "not a url",
        "https:///no-host",
    ],
)
def test_a_bad_url_is_refused_naming_url(api: Api, url: str) -> None:
    response = api.client.post(
        ENDPOINTS, json={"url": url, "events": ["*"]}, headers=api.auth(api.register("vendor"))
    )

    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://localhost./hooks",
        "http://2130706433/hooks",
        "http://0x7f000001/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://[::1]/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://10.0.0.1/hooks",
        "http://0.0.0.0/hooks",
        "https://internal.example.com/hooks",
    ],
)
def test_a_url_reaching_a_private_address_is_refused_unless_allowed(
    database_url: str, url: str
) -> None:
    app = create_app(make_settings(database_url))
    use_known_hosts(app)
    api = Api(app, app.test_client())
    try:
        response = api.client.post(
            ENDPOINTS, json={"url": url, "events": ["*"]}, headers=api.auth(api.register("vendor"))
        )
    finally:
        app.extensions["travellr"].engine.dispose()

    assert response.status_code == 422, response.get_json()
    assert "url" in response.get_json()["errors"]


def test_unknown_event_types_are_refused_naming_them(api: Api) -> None:
    response = api.client.post(
        ENDPOINTS,
        json={"url": "https://hooks.example.com/", "events": ["booking.created", "booking.eaten"]},
        headers=api.auth(api.register("vendor")),
    )

    assert response.status_code == 422
    body = response.get_json()
    assert "booking.eaten" in body["detail"]
    assert "booking.eaten" in " ".join(body["errors"]["events"])


def test_an_owner_has_at_most_twenty_endpoints(api: Api) -> None:
    vendor = api.register("vendor")
    for n in range(20):
        register(api, vendor, f"https://hooks.example.com/{n}")

    response = api.client.post(
        ENDPOINTS,
        json={"url": "https://hooks.example.com/21", "events": ["*"]},
        headers=api.auth(vendor),
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "too_many_endpoints"


def test_travellers_may_not_register_endpoints(api: Api) -> None:
    traveller = api.register()
    body = {"url": "https://hooks.example.com/", "events": ["*"]}

    assert api.client.post(ENDPOINTS, json=body, headers=api.auth(traveller)).status_code == 403
    assert api.client.get(ENDPOINTS, headers=api.auth(traveller)).status_code == 403


def test_nobody_but_the_owner_or_an_admin_sees_an_endpoint(api: Api) -> None:
    owner, other, admin = api.register("vendor"), api.register("vendor"), api.admin()
    endpoint = register(api, owner, "https://hooks.example.com/")
    base = f"{ENDPOINTS}/{endpoint['id']}"
    calls = [
        ("get", base, None),
        ("put", base, {"description": "mine now"}),
        ("delete", base, None),
        ("post", f"{base}/rotate-secret", None),
        ("post", f"{base}/test", None),
        ("get", f"{base}/deliveries", None),
        ("post", f"{base}/deliveries/{endpoint['id']}/retry", None),
    ]

    for method, url, body in calls:
        response = getattr(api.client, method)(url, json=body, headers=api.auth(other))
        assert response.status_code == 404, (method, url)
    assert api.client.get(ENDPOINTS, headers=api.auth(other)).get_json()["items"] == []
    assert api.client.get(base, headers=api.auth(admin)).status_code == 200
    admin_list = api.client.get(ENDPOINTS, headers=api.auth(admin)).get_json()["items"]
    assert endpoint["id"] in [item["id"] for item in admin_list]


def test_an_endpoint_is_updated_and_deleted_by_its_owner(api: Api) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, "https://hooks.example.com/")
    base = f"{ENDPOINTS}/{endpoint['id']}"

    updated = api.client.put(
        base,
        json={"events": ["booking.cancelled"], "enabled": False, "description": "ops"},
        headers=api.auth(vendor),
    )
    bad = api.client.put(base, json={"url": "gopher://x"}, headers=api.auth(vendor))
    deleted = api.client.delete(base, headers=api.auth(vendor))

    assert updated.status_code == 200
    body = updated.get_json()
    assert (body["events"], body["enabled"], body["description"]) == (
        ["booking.cancelled"], False, "ops"
    )  # fmt: skip
    assert body["disabled_at"] is not None
    assert bad.status_code == 422
    assert "url" in bad.get_json()["errors"]
    assert deleted.status_code == 204
    assert api.client.get(base, headers=api.auth(vendor)).status_code == 404


def test_a_ping_is_delivered_signed_with_the_endpoint_secret(
    api: Api, app: Flask, receiver: Receiver
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url)

    answer = api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))
    sent = send(app)

    assert answer.status_code == 202
    assert answer.get_json()["event_type"] == "ping"
    assert sent == 1
    [ping] = receiver.received
    payload = verify(ping, endpoint["secret"])
    assert payload["type"] == "ping"
    assert payload["id"] == ping.headers["webhook-id"] == answer.get_json()["event_id"]
    assert payload["data"] == {"endpoint_id": endpoint["id"]}
    assert ping.path == "/hooks"
    deliveries = api.client.get(
        f"{ENDPOINTS}/{endpoint['id']}/deliveries", headers=api.auth(vendor)
    ).get_json()["items"]
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in deliveries] == [
        ("succeeded", 1, 200)
    ]


def test_a_rotated_secret_signs_the_next_delivery(api: Api, app: Flask, receiver: Receiver) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url)
    base = f"{ENDPOINTS}/{endpoint['id']}"

    rotated = api.client.post(f"{base}/rotate-secret", headers=api.auth(vendor))
    api.client.post(f"{base}/test", headers=api.auth(vendor))
    send(app)

    assert rotated.status_code == 200
    new_secret = rotated.get_json()["secret"]
    assert new_secret != endpoint["secret"]
    [ping] = receiver.received
    assert verify(ping, new_secret)["type"] == "ping"
    with pytest.raises(WebhookVerificationError):
        verify(ping, endpoint["secret"])


def test_a_failing_delivery_is_retried_on_schedule_with_the_same_id(
    api: Api, app: Flask, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503, 200]
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url)
    base = f"{ENDPOINTS}/{endpoint['id']}"
    api.client.post(f"{base}/test", headers=api.auth(vendor))
    now = datetime.now(UTC)

    def delivery() -> dict[str, Any]:
        items = api.client.get(f"{base}/deliveries", headers=api.auth(vendor)).get_json()["items"]
        return dict(items[0])

    assert send(app, now) == 1
    first = delivery()
    assert send(app, now + timedelta(seconds=4)) == 0  # not due before its 5 s
    assert send(app, now + timedelta(seconds=5)) == 1
    second = delivery()
    assert send(app, now + timedelta(minutes=5)) == 0
    assert send(app, now + timedelta(seconds=5, minutes=5)) == 1

    assert (first["status"], first["attempts"], first["last_status_code"]) == ("pending", 1, 500)
    assert first["next_attempt_at"] == _iso(now + timedelta(seconds=5))
    assert (second["attempts"], second["last_status_code"]) == (2, 503)
    assert second["next_attempt_at"] == _iso(now + timedelta(seconds=5, minutes=5))
    done = delivery()
    assert (done["status"], done["attempts"], done["last_status_code"]) == ("succeeded", 3, 200)
    assert done["delivered_at"] is not None
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len(receiver.received) == 3


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
