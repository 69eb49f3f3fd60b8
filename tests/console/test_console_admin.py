"""What an admin does in the console lands where the API sees it (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip


def test_an_admin_changes_a_role_and_deactivates_a_user(api: Api, browser: Any) -> None:
    admin, traveller = api.admin(), api.register()
    user_id = traveller["user"]["id"]
    page = browser()
    page.sign_in(admin["user"]["email"])
    listed = page.get("/console/users", query_string={"q": traveller["user"]["email"]})
    assert traveller["user"]["email"] in listed.get_data(as_text=True)
    made_vendor = page.post_form(
        "/console/users", f"/console/users/{user_id}/role", {"role": "vendor"}
    )
    assert made_vendor.status_code == 302
    seen = api.client.get(f"/api/v1/users/{user_id}", headers=Api.auth(admin)).get_json()
    assert seen["role"] == "vendor"
    bad_role = page.post_form("/console/users", f"/console/users/{user_id}/role", {"role": "king"})
    assert bad_role.status_code == 422
    gone = page.post_form("/console/users", f"/console/users/{user_id}/deactivate", {})
    assert gone.status_code == 302
    assert api.client.get("/api/v1/users/me", headers=Api.auth(traveller)).status_code == 401
    log = page.get("/console/audit-log", query_string={"subject_id": user_id})
    text = log.get_data(as_text=True)
    assert "user.deactivated" in text
    assert "user.role_changed" in text


def test_the_users_and_audit_pages_are_for_admins_only(api: Api, browser: Any) -> None:
    vendor, other = api.register("vendor"), api.register()
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    assert page.get("/console/users").status_code == 403
    assert page.get("/console/audit-log").status_code == 403
    assert page.get("/console/dashboard").status_code == 403
    refused = page.post_form(
        "/console/trips", f"/console/users/{other['user']['id']}/deactivate", {}
    )
    assert refused.status_code == 403
    assert api.client.get("/api/v1/users/me", headers=Api.auth(other)).status_code == 200


def test_a_booking_page_shows_the_cancellation_in_its_audit_entries(api: Api, browser: Any) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    booking = book_paid(api, api.register(), make_trip(api, vendor))
    page = browser()
    page.sign_in(admin["user"]["email"])
    preview = page.get(f"/console/bookings/{booking['id']}/cancel").get_data(as_text=True)
    assert f'data-field="refund-preview">{float(booking["total_price"]):,.2f} USD' in preview
    assert (
        api.client.get(f"/api/v1/bookings/{booking['id']}", headers=Api.auth(admin)).get_json()[
            "status"
        ]
        == "confirmed"
    )  # the preview changed nothing
    done = page.post_form(
        f"/console/bookings/{booking['id']}/cancel",
        f"/console/bookings/{booking['id']}/cancel",
        {"reason": "storm"},
    )
    assert done.status_code == 302
    shown = page.get(f"/console/bookings/{booking['id']}").get_data(as_text=True)
    assert "booking.cancelled" in shown
    assert "storm" in shown
    assert f"refund_amount: — → {booking['total_price']}" in shown  # not "None → ..."
    after = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=Api.auth(admin)).get_json()
    assert after["refund_amount"] == booking["total_price"]


def test_a_vendor_refunds_part_of_a_payment_on_its_trip(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    booking = book_paid(api, api.register(), make_trip(api, vendor, price="80.00"))
    [payment] = api.client.get(
        "/api/v1/payments", query_string={"booking_id": booking["id"]}, headers=Api.auth(vendor)
    ).get_json()["items"]
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    url = f"/console/bookings/{booking['id']}"
    refund = f"{url}/payments/{payment['id']}/refund"
    assert page.post_form(url, refund, {"amount": "25.50", "reason": "late"}).status_code == 302
    too_much = page.post_form(url, refund, {"amount": "60.00"})
    assert too_much.status_code == 422
    after = api.client.get(f"/api/v1/payments/{payment['id']}", headers=Api.auth(vendor))
    assert after.get_json()["amount_refunded"] == "25.50"
    assert "25.50 USD" in page.get(url).get_data(as_text=True)


def test_the_dashboard_shows_the_analytics_endpoints_figures(api: Api, browser: Any) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    book_paid(api, api.register(), make_trip(api, vendor, price="1234.56"))
    page = browser()
    page.sign_in(admin["user"]["email"])
    html = page.get("/console/dashboard").get_data(as_text=True)
    figures = api.client.get("/api/v1/admin/analytics", headers=Api.auth(admin)).get_json()
    for name, amount in figures["revenue"].items():
        assert f'data-figure="{name}">{float(amount):,.2f} USD<' in html, name
    assert f'data-figure="bookings">{figures["bookings"]["total"]}<' in html
    assert f"{figures['period']['from']} to {figures['period']['to']}, UTC days" in html
    assert page.get("/console/dashboard", query_string={"from": "2026-02-30"}).status_code == 422
