"""Payouts in the console: the preview's amounts are what the run pays; nothing before the run."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

from sqlalchemy import insert

from tests.api.conftest import Api
from tests.api.test_payouts import MARCH, _completed_booking
from travellr.domain.actors import Role
from travellr.infrastructure.db import tables


def test_an_admin_previews_then_runs_a_payout_for_those_amounts(api: Api, browser: Any) -> None:
    vendor, admin = api.register("vendor"), api.admin()
    _completed_booking(api, vendor, "62.50")
    _completed_booking(api, vendor, "100.00")
    vendor_id = vendor["user"]["id"]
    page = browser()
    page.sign_in(admin["user"]["email"])
    assert vendor["user"]["email"] in page.get("/console/payouts").get_data(as_text=True)
    query = {"vendor_id": vendor_id, **MARCH}
    preview = page.get("/console/payouts/preview", query_string=query).get_data(as_text=True)
    assert 'data-field="vendor_amount">130.00 USD' in preview
    assert 'data-field="booking_count">2' in preview
    payouts_api = f"/api/v1/vendors/{vendor_id}/payouts"
    assert api.client.get(payouts_api, headers=Api.auth(admin)).get_json()["items"] == []

    ran = page.post_form(
        "/console/payouts/preview?" + "&".join(f"{k}={v}" for k, v in query.items()),
        "/console/payouts/run",
        query,
    )
    assert ran.status_code == 302
    [payout] = api.client.get(payouts_api, headers=Api.auth(admin)).get_json()["items"]
    assert payout["vendor_amount"] == "130.00"
    assert payout["status"] == "paid"
    shown = page.get("/console/payouts", query_string={"vendor_id": vendor_id})
    text = shown.get_data(as_text=True)
    assert 'data-figure="paid_out">130.00 USD' in text
    assert "130.00 USD" in text
    again = page.get("/console/payouts/preview", query_string=query)
    assert again.status_code == 422  # nothing_to_pay for a paid period: the use case's answer


def test_a_vendor_sees_its_own_payouts_only_and_cannot_run_one(api: Api, browser: Any) -> None:
    vendor, other = api.register("vendor"), api.register("vendor")
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    own = page.get("/console/payouts", query_string={"vendor_id": other["user"]["id"]})
    assert own.status_code == 200
    assert 'data-figure="available">0.00 USD' in own.get_data(as_text=True)
    assert "Run a payout" not in own.get_data(as_text=True)
    query = {"vendor_id": other["user"]["id"], **MARCH}
    assert page.get("/console/payouts/preview", query_string=query).status_code == 404
    mine = {"vendor_id": vendor["user"]["id"], **MARCH}
    assert page.get("/console/payouts/preview", query_string=mine).status_code == 403


def _more_vendors(api: Api, count: int) -> None:
    """`count` vendors newer than every account made so far, written straight to the table
    (registering each through the API would hash as many passwords)."""
    now = datetime.now(UTC) + timedelta(minutes=1)
    rows = [
        {
            "id": uuid.uuid4(),
            "email": f"bulk-{n}-{uuid.uuid4().hex[:6]}@example.com",
            "password_hash": "x",
            "name": f"Bulk vendor {n}",
            "role": Role.VENDOR,
            "is_active": True,
            "created_at": now + timedelta(seconds=n),
            "updated_at": now,
        }
        for n in range(count)
    ]
    with api.app.extensions["travellr"].engine.begin() as connection:
        connection.execute(insert(tables.users), rows)


def _vendor_links(html: str) -> list[str]:
    return re.findall(r'href="/console/payouts\?vendor_id=([0-9a-f-]{36})', html)


def test_an_admin_finds_and_pays_a_vendor_beyond_the_first_hundred(api: Api, browser: Any) -> None:
    vendor, admin = api.register("vendor", name="Zoe Oldest"), api.admin()
    _completed_booking(api, vendor, "62.50")
    _more_vendors(api, 130)
    vendor_id = vendor["user"]["id"]
    page = browser()
    page.sign_in(admin["user"]["email"])
    first = page.get("/console/payouts").get_data(as_text=True)
    assert vendor_id not in _vendor_links(first)  # the newest come first, a page at a time

    found = page.get("/console/payouts", query_string={"q": vendor["user"]["email"].upper()})
    assert _vendor_links(found.get_data(as_text=True)) == [vendor_id]
    chosen = page.get("/console/payouts", query_string={"vendor_id": vendor_id})
    assert f"Zoe Oldest ({vendor['user']['email']})" in chosen.get_data(as_text=True)
    query = {"vendor_id": vendor_id, **MARCH}
    preview = "/console/payouts/preview?" + "&".join(f"{k}={v}" for k, v in query.items())
    assert page.post_form(preview, "/console/payouts/run", query).status_code == 302
    [payout] = api.client.get(
        f"/api/v1/vendors/{vendor_id}/payouts", headers=Api.auth(admin)
    ).get_json()["items"]
    assert payout["vendor_amount"] == "50.00"


def test_the_vendor_list_pages_reach_every_vendor(api: Api, browser: Any) -> None:
    oldest, admin = api.register("vendor"), api.admin()
    _more_vendors(api, 130)
    page = browser()
    page.sign_in(admin["user"]["email"])
    seen: list[str] = []
    url: str | None = "/console/payouts"
    while url is not None:
        html = page.get(url).get_data(as_text=True)
        seen += _vendor_links(html)
        more = re.search(r'href="([^"]+)">More vendors<', html)
        url = unescape(more.group(1)) if more else None
    assert len(seen) == len(set(seen)) >= 131
    assert seen[-1] == oldest["user"]["id"]
    assert page.get("/console/payouts", query_string={"q": "x" * 300}).status_code == 422
