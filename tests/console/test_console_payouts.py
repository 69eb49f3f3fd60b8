"""Payouts in the console: the preview's amounts are what the run pays; nothing before the run."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.test_payouts import MARCH, _completed_booking


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
