"""The console's webhook pages call the API's use cases: what they do is what the API sees, its
refusals are shown next to the form's fields, another vendor's endpoint is a 404, every POST
needs its CSRF token. Deliveries go to a real HTTP server on 127.0.0.1 (private addresses are
allowed here). SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import hypothesis
import pytest
from flask import Flask
from hypothesis import strategies as st
from standardwebhooks import Webhook

from tests.api.audit_support import the_entry
from tests.api.conftest import PASSWORD, Api
from tests.api.webhook_support import ENDPOINTS, register, send, use_known_hosts
from tests.conftest import make_settings
from tests.console.conftest import Browser, csrf_of
from tests.console.test_console_fuzz import FUZZ, QUERY_FIELDS, VALUES, _form
from tests.support.webhook_receiver import Receiver, running_receiver
from travellr.config import Settings

PAGES = "/console/webhooks"
SECRET = re.compile(r'data-field="secret"[^>]*>(whsec_[^<]+)</textarea>')


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhook_allow_private=True)


@pytest.fixture(autouse=True)
def known_hosts(app: Flask) -> None:
    use_known_hosts(app)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def signed_in(browser: Any, account: dict[str, Any]) -> Browser:
    page: Browser = browser()
    page.sign_in(account["user"]["email"], account.get("password", PASSWORD))
    return page


def create(page: Browser, url: str, events: list[str], description: str = "") -> Any:
    token = csrf_of(page.get(f"{PAGES}/new").get_data(as_text=True))
    return page.client.post(
        f"{PAGES}/new",
        data={"url": url, "events": events, "description": description, "csrf_token": token},
    )


def api_endpoints(api: Api, owner: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.client.get(ENDPOINTS, query_string={"limit": 100}, headers=api.auth(owner))
    return list(response.get_json()["items"])


def api_deliveries(api: Api, owner: dict[str, Any], endpoint_id: str) -> list[dict[str, Any]]:
    response = api.client.get(f"{ENDPOINTS}/{endpoint_id}/deliveries", headers=api.auth(owner))
    return list(response.get_json()["items"])


def test_a_vendor_creates_an_endpoint_and_sees_its_secret_once(
    api: Api, app: Flask, browser: Any, receiver: Receiver
) -> None:
    vendor = api.register("vendor")
    page = signed_in(browser, vendor)

    made = create(page, receiver.url, ["booking.created", "booking.cancelled"], "ops")

    assert made.status_code == 201
    html = made.get_data(as_text=True)
    assert "shown only this once" in html
    secret = unescape(SECRET.search(html).group(1))
    [endpoint] = api_endpoints(api, vendor)
    assert (endpoint["url"], endpoint["events"], endpoint["description"]) == (
        receiver.url, ["booking.created", "booking.cancelled"], "ops"
    )  # fmt: skip
    assert endpoint["enabled"] is True
    shown = page.get(f"{PAGES}/{endpoint['id']}").get_data(as_text=True)
    listed = page.get(PAGES).get_data(as_text=True)
    assert receiver.url in listed
    assert secret not in shown + listed
    api.client.post(f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor))
    send(app)
    [ping] = receiver.received
    assert Webhook(secret).verify(ping.body, ping.headers)["type"] == "ping"  # the real secret


def test_an_endpoint_is_edited_rotated_pinged_retried_and_deleted(
    api: Api, app: Flask, browser: Any, receiver: Receiver
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url, ["booking.created"])
    base = f"{PAGES}/{endpoint['id']}"
    page = signed_in(browser, vendor)

    saved = page.post_form(
        base, base, {"url": receiver.url + "/v2", "events": "*", "description": "new"}
    )  # `enabled` unticked
    assert saved.status_code == 302
    after = api.client.get(f"{ENDPOINTS}/{endpoint['id']}", headers=api.auth(vendor)).get_json()
    assert (after["url"], after["events"], after["description"], after["enabled"]) == (
        receiver.url + "/v2", ["*"], "new", False
    )  # fmt: skip
    page.post_form(base, base, {"url": receiver.url, "events": "*", "enabled": "true"})

    rotated = page.post_form(base, f"{base}/rotate-secret", {})
    assert rotated.status_code == 200
    secret = unescape(SECRET.search(rotated.get_data(as_text=True)).group(1))
    assert secret != endpoint["secret"]

    pinged = page.post_form(base, f"{base}/ping", {})
    assert pinged.status_code == 302
    assert pinged.headers["Location"] == f"{base}/deliveries"
    [delivery] = api_deliveries(api, vendor, endpoint["id"])
    assert (delivery["event_type"], delivery["status"]) == ("ping", "pending")
    assert send(app) == 1
    [ping] = receiver.received
    assert Webhook(secret).verify(ping.body, ping.headers)["type"] == "ping"
    listed = page.get(f"{base}/deliveries").get_data(as_text=True)
    assert 'data-field="status">succeeded<' in listed
    assert 'data-field="last_status_code">200<' in listed
    assert " UTC" in listed

    retried = page.post_form(f"{base}/deliveries", f"{base}/deliveries/{delivery['id']}/retry", {})
    assert retried.status_code == 302
    assert api_deliveries(api, vendor, endpoint["id"])[0]["status"] == "pending"
    assert send(app) == 1
    assert len(receiver.received) == 2

    confirm = page.get(f"{base}/delete")
    assert "cannot be undone" in confirm.get_data(as_text=True)
    assert api_endpoints(api, vendor)  # asking to confirm deleted nothing
    deleted = page.post_form(f"{base}/delete", f"{base}/delete", {})
    assert deleted.status_code == 302
    assert api_endpoints(api, vendor) == []


def test_the_use_cases_refusals_are_shown_next_to_their_fields(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = signed_in(browser, vendor)
    cases = [
        ("ftp://hooks.example.com/x", ["*"], "url"),
        ("https://hooks.example.com/x", ["booking.eaten"], "events"),
        ("https://hooks.example.com/x", [], "events"),
        ("", ["*"], "url"),
    ]

    for url, events, field in cases:
        refused = create(page, url, events)
        assert refused.status_code == 422, (url, events)
        html = refused.get_data(as_text=True)
        assert f'id="{field}-error"' in html, (url, events)
        assert f'{field}-error"' in html.split(f'id="{field}-error"')[0]  # named by the field
        assert f'value="{url}"' in html  # the form is kept
    assert api_endpoints(api, vendor) == []
    for n in range(20):
        register(api, vendor, f"https://hooks.example.com/{n}")
    too_many = create(page, "https://hooks.example.com/21", ["*"])
    assert too_many.status_code == 422
    assert "at most 20 endpoints" in too_many.get_data(as_text=True)
    endpoint = api_endpoints(api, vendor)[0]
    base = f"{PAGES}/{endpoint['id']}"
    bad_edit = page.post_form(base, base, {"url": "gopher://x", "events": "*"})
    assert bad_edit.status_code == 422
    assert 'id="url-error"' in bad_edit.get_data(as_text=True)


def test_a_vendor_sees_only_its_own_endpoints_and_an_admin_every_one(
    api: Api, browser: Any
) -> None:
    owner, other, admin = api.register("vendor"), api.register("vendor"), api.admin()
    endpoint = register(api, owner, "https://hooks.example.com/owner")
    delivery = api.client.post(
        f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(owner)
    ).get_json()
    base = f"{PAGES}/{endpoint['id']}"
    page = signed_in(browser, other)

    for url in (base, f"{base}/deliveries", f"{base}/delete"):
        assert page.get(url).status_code == 404, url
    for url in (
        base,
        f"{base}/delete",
        f"{base}/rotate-secret",
        f"{base}/ping",
        f"{base}/deliveries/{delivery['id']}/retry",
    ):
        assert page.post_form(PAGES, url, {"events": "*"}).status_code == 404, url
    assert "hooks.example.com/owner" not in page.get(PAGES).get_data(as_text=True)
    assert len(api_deliveries(api, owner, endpoint["id"])) == 1
    assert api_endpoints(api, owner)[0]["events"] == ["*"]
    as_admin = signed_in(browser, admin)
    assert "hooks.example.com/owner" in as_admin.get(PAGES).get_data(as_text=True)
    assert as_admin.get(base).status_code == 200
    assert as_admin.get(f"{base}/deliveries").status_code == 200


def test_a_traveller_is_kept_out_of_the_webhook_pages(api: Api, browser: Any) -> None:
    page = signed_in(browser, api.register())
    assert page.get(PAGES).headers["Location"] == "/console/not-for-you"


def test_a_post_without_the_csrf_token_changes_nothing(api: Api, browser: Any) -> None:
    vendor, admin = api.register("vendor"), api.admin()
    endpoint = register(api, vendor, "https://hooks.example.com/")
    base = f"{PAGES}/{endpoint['id']}"
    page = signed_in(browser, vendor)
    body = {"url": "https://hooks.example.com/other", "events": "*"}

    for url in (f"{PAGES}/new", base, f"{base}/delete", f"{base}/rotate-secret", f"{base}/ping"):
        assert page.client.post(url, data=body).status_code == 400, url
        assert page.client.post(url, data={**body, "csrf_token": "x"}).status_code == 400, url

    assert api_endpoints(api, vendor) == [
        {key: value for key, value in endpoint.items() if key != "secret"}
    ]
    assert api_deliveries(api, vendor, endpoint["id"]) == []
    entries = api.client.get(
        "/api/v1/admin/audit-log",
        query_string={"subject_type": "webhook_endpoint"},
        headers=api.auth(admin),
    ).get_json()["items"]
    assert [entry["action"] for entry in entries] == ["webhook_endpoint.created"]


def test_the_console_changes_are_in_the_audit_log_with_their_request(
    api: Api, browser: Any
) -> None:
    vendor, admin = api.register("vendor"), api.admin()
    page = signed_in(browser, vendor)
    create(page, "https://hooks.example.com/a", ["payout.paid"])
    [endpoint] = api_endpoints(api, vendor)
    base = f"{PAGES}/{endpoint['id']}"
    page.post_form(base, base, {"url": "https://hooks.example.com/a", "events": "*"})
    page.post_form(base, f"{base}/rotate-secret", {})

    created = the_entry(api, admin, "webhook_endpoint.created", endpoint["id"])
    assert created["actor_id"] == vendor["user"]["id"]
    assert created["changes"]["url"] == [None, "https://hooks.example.com/a"]
    assert created["request_id"]
    assert created["ip"] == "127.0.0.1"
    updated = the_entry(api, admin, "webhook_endpoint.updated", endpoint["id"])
    assert updated["changes"] == {"events": [["payout.paid"], ["*"]], "enabled": [True, False]}
    as_admin = signed_in(browser, admin)
    log = as_admin.get("/console/audit-log", query_string={"subject_id": endpoint["id"]})
    text = log.get_data(as_text=True)
    for action in ("created", "updated", "secret_rotated"):
        assert f"webhook_endpoint.{action}" in text
    # Changed values read as the API writes them (JSON), an unset one as a dash, never repr.
    assert "url: — → https://hooks.example.com/a" in text
    assert "events: [&#34;payout.paid&#34;] → [&#34;*&#34;]" in text
    assert "enabled: true → false" in text
    assert "None" not in text
    assert "True" not in text
    assert f"/console/audit-log?subject_id={endpoint['id']}" in as_admin.get(base).get_data(
        as_text=True
    )


def test_the_webhook_pages_have_the_strict_csp_and_no_form_or_query_answers_a_5xx(
    api: Api, browser: Any
) -> None:
    vendor = api.register("vendor")
    endpoint = register(api, vendor, "https://hooks.example.com/")
    delivery = api.client.post(
        f"{ENDPOINTS}/{endpoint['id']}/test", headers=api.auth(vendor)
    ).get_json()
    base = f"{PAGES}/{endpoint['id']}"
    page = signed_in(browser, vendor)
    gets = (PAGES, f"{PAGES}/new", base, f"{base}/delete", f"{base}/deliveries")
    for url in gets:
        response = page.get(url)
        assert response.status_code == 200, url
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert response.headers["Cache-Control"] == "no-store"
    token = csrf_of(page.get(PAGES).get_data(as_text=True))
    fields = ("url", "events", "description", "enabled")
    posts = (f"{PAGES}/new", base, f"{base}/deliveries/{delivery['id']}/retry")

    @FUZZ
    @hypothesis.given(url=st.sampled_from(posts), data=st.data(), query=_form(QUERY_FIELDS))
    def post_and_get(url: str, data: st.DataObject, query: dict[str, str]) -> None:
        form = data.draw(_form(fields))
        if data.draw(st.booleans()):
            form["events"] = data.draw(st.lists(VALUES, max_size=3))
        posted = page.client.post(url, data={**form, "csrf_token": token})
        assert posted.status_code < 500, (url, form)
        for path in (PAGES, f"{base}/deliveries"):
            assert page.get(path, query_string=query).status_code < 500, (path, query)

    post_and_get()
