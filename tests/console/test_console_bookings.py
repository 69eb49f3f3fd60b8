"""A booking's page lists each refund as the API does; bookings are found by traveller email."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tests.api.conftest import Api
from tests.api.factories import PAYMENTS, book_paid, make_trip, payment_of


def _refund_lines(html: str) -> list[str]:
    return re.findall(r'data-field="refund-amount">([^<]+)<', html)


def _made_by(html: str, refund_id: str) -> str | None:
    """The role in the refund's line's last cell ("By")."""
    row = re.search(rf'<tr data-refund="{refund_id}">(.*?)</tr>', html, re.S)
    assert row, refund_id
    by = re.findall(r"<td>([a-z]+)<br>", row.group(1))
    return by[-1] if by else None


def test_a_booking_page_shows_each_refund_adding_up_to_the_apis_refund_amount(
    api: Api, browser: Any
) -> None:
    admin, vendor, traveller = api.admin(), api.register("vendor"), api.register()
    booking = book_paid(api, traveller, make_trip(api, vendor, price="200.00"))
    payment = payment_of(api, traveller, booking)
    refund = f"{PAYMENTS}/{payment['id']}/refund"
    api.client.post(refund, json={"amount": "30.00", "reason": "late"}, headers=Api.auth(vendor))
    api.client.post(refund, json={"amount": "12.25"}, headers=Api.auth(admin))
    url = f"/console/bookings/{booking['id']}"

    page = browser()
    page.sign_in(admin["user"]["email"])
    shown = page.get(url).get_data(as_text=True)
    listed = api.client.get(f"{PAYMENTS}/{payment['id']}/refunds", headers=Api.auth(admin))
    refunds = listed.get_json()["items"]
    after = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=Api.auth(admin))
    assert _refund_lines(shown) == ["12.25 USD", "30.00 USD"]  # newest first, as the API
    assert [r["amount"] for r in refunds] == ["12.25", "30.00"]
    assert after.get_json()["refund_amount"] == "42.25"
    assert 'data-field="refunds-total">42.25 USD<' in shown
    assert "late" in shown
    for line in refunds:  # when (UTC) and who: the audit entry that recorded each refund
        assert f'data-refund="{line["id"]}"' in shown
    made = re.search(rf'data-refund="{refunds[1]["id"]}"><td>([^<]+)<', shown)
    assert made
    assert made.group(1).endswith(" UTC")
    assert _made_by(shown, refunds[1]["id"]) == "vendor"
    assert _made_by(shown, refunds[0]["id"]) == "admin"

    vendors_page = browser()
    vendors_page.sign_in(vendor["user"]["email"], vendor["password"])
    as_vendor = vendors_page.get(url).get_data(as_text=True)
    assert _refund_lines(as_vendor) == ["12.25 USD", "30.00 USD"]
    assert "Audit entries" not in as_vendor  # the audit log, and who refunded, is for admins


def test_a_cancellation_refund_is_a_line_of_its_own(api: Api, browser: Any) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    booking = book_paid(api, api.register(), make_trip(api, vendor, price="80.00"))
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    url = f"/console/bookings/{booking['id']}"
    page.post_form(f"{url}/cancel", f"{url}/cancel", {"reason": "storm"})
    after = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=Api.auth(admin))
    assert Decimal(after.get_json()["refund_amount"]) == Decimal("80.00")
    assert _refund_lines(page.get(url).get_data(as_text=True)) == ["80.00 USD"]


def test_an_admin_finds_a_travellers_bookings_by_email(api: Api, browser: Any) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    trip = make_trip(api, vendor)
    alice, bob = api.register(), api.register()
    alices = book_paid(api, alice, trip)
    bobs = book_paid(api, bob, trip)
    page = browser()
    page.sign_in(admin["user"]["email"])
    email = alice["user"]["email"].upper()
    html = page.get("/console/bookings", query_string={"user_email": email}).get_data(as_text=True)
    assert alices["id"][:8] in html
    assert bobs["id"][:8] not in html
    api_answer = api.client.get(
        "/api/v1/admin/bookings", query_string={"user_email": email}, headers=Api.auth(admin)
    ).get_json()
    assert [b["id"] for b in api_answer["items"]] == [alices["id"]]
    unknown = page.get("/console/bookings", query_string={"user_email": "nobody@example.com"})
    assert "No bookings match." in unknown.get_data(as_text=True)
    bad = page.get("/console/bookings", query_string={"user_email": "not an email"})
    assert bad.status_code == 422


def test_a_trip_page_links_to_its_bookings(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    trip, other_trip = make_trip(api, vendor), make_trip(api, vendor)
    on_trip = book_paid(api, api.register(), trip)
    elsewhere = book_paid(api, api.register(), other_trip)
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    trip_page = page.get(f"/console/trips/{trip['id']}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)">Bookings on this trip<', trip_page)
    assert link
    listed = page.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert on_trip["id"][:8] in listed
    assert elsewhere["id"][:8] not in listed
