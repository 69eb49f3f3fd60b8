"""Trips in the console: archived ones are listed on request and shown as archived."""

from __future__ import annotations

import re
from typing import Any

from tests.api.conftest import Api
from tests.api.factories import book_paid, get_trip, make_trip


def _listed(page: Any, **query: str) -> list[str]:
    html = page.get("/console/trips", query_string=query).get_data(as_text=True)
    return re.findall(r'href="/console/trips/([0-9a-f-]{36})"', html)


def test_a_vendor_lists_its_archived_trips_and_sees_one_is_archived(api: Api, browser: Any) -> None:
    vendor, other = api.register("vendor"), api.register("vendor")
    kept = make_trip(api, vendor, title="Kept")
    gone = make_trip(api, vendor, title="Gone")
    others = make_trip(api, other)
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    archived = page.post_form(
        f"/console/trips/{gone['id']}", f"/console/trips/{gone['id']}/archive", {}
    )
    assert archived.status_code == 302
    assert archived.headers["Location"] == f"/console/trips/{gone['id']}"
    shown = page.get(f"/console/trips/{gone['id']}").get_data(as_text=True)
    assert 'data-field="archived"' in shown
    assert 'data-field="status">archived<' in shown
    assert "Archive this trip" not in shown
    assert "Archive this trip" in page.get(f"/console/trips/{kept['id']}").get_data(as_text=True)

    assert _listed(page) == [kept["id"]]  # active trips by default
    assert _listed(page, status="archived") == [gone["id"]]
    assert sorted(_listed(page, status="all")) == sorted([kept["id"], gone["id"]])
    assert others["id"] not in _listed(page, status="all", vendor_id=other["user"]["id"])
    assert page.get("/console/trips", query_string={"status": "deleted"}).status_code == 422
    assert page.get(f"/console/trips/{others['id']}").status_code == 404
    api_view = api.client.get(
        f"/api/v1/vendors/{vendor['user']['id']}/trips",
        query_string={"status": "archived"},
        headers=Api.auth(vendor),
    ).get_json()
    assert [t["id"] for t in api_view["items"]] == [gone["id"]]


def test_an_admin_lists_archived_trips_of_any_vendor_or_one(api: Api, browser: Any) -> None:
    admin, vendor, other = api.admin(), api.register("vendor"), api.register("vendor")
    gone, others = make_trip(api, vendor), make_trip(api, other)
    assert (
        api.client.delete(f"/api/v1/trips/{gone['id']}", headers=Api.auth(vendor)).status_code
        == 204
    )
    page = browser()
    page.sign_in(admin["user"]["email"])
    every = _listed(page, status="all")
    assert {gone["id"], others["id"]} <= set(every)
    assert gone["id"] in _listed(page, status="archived")
    assert gone["id"] not in _listed(page)
    assert _listed(page, status="all", vendor_id=vendor["user"]["id"]) == [gone["id"]]
    traveller = api.register()
    not_a_vendor = page.get("/console/trips", query_string={"vendor_id": traveller["user"]["id"]})
    assert not_a_vendor.status_code == 404


def test_a_vendor_edits_a_trip_and_is_told_what_the_api_refuses(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    trip = make_trip(api, vendor, capacity=5)
    book_paid(api, api.register(), trip, seats=3)
    url = f"/console/trips/{trip['id']}"
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    saved = page.post_form(url, url, {"title": "Renamed", "price": "175.00"})
    assert saved.status_code == 302
    assert "Saved." in page.get(saved.headers["Location"]).get_data(as_text=True)
    seen = get_trip(api, trip)
    assert (seen["title"], seen["price"]) == ("Renamed", "175.00")
    invalid = page.post_form(url, url, {"capacity": "0"})
    assert invalid.status_code == 422
    assert 'id="capacity-error"' in invalid.get_data(as_text=True)
    below_taken = page.post_form(url, url, {"capacity": "2"})
    assert below_taken.status_code == 409
    assert "Capacity is below the seats already taken" in below_taken.get_data(as_text=True)
    assert get_trip(api, trip)["capacity"] == 5


def test_saving_a_trip_keeps_the_seconds_of_times_the_form_shows_to_the_minute(
    api: Api, browser: Any
) -> None:
    vendor = api.register("vendor")
    trip = make_trip(api, vendor, start_at="2031-06-01T09:30:45Z", end_at="2031-06-03T18:15:30Z")
    url = f"/console/trips/{trip['id']}"
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])

    form = page.get(url).get_data(as_text=True)
    shown = dict(
        re.findall(r'name="(start_at|end_at)" type="datetime-local" value="([^"]*)"', form)
    )
    assert shown == {"start_at": "2031-06-01T09:30", "end_at": "2031-06-03T18:15"}

    assert page.post_form(url, url, {"title": "Renamed", **shown}).status_code == 302  # as sent

    seen = get_trip(api, trip)
    assert (seen["title"], seen["start_at"], seen["end_at"]) == (
        "Renamed",
        trip["start_at"],
        trip["end_at"],
    )
    moved = page.post_form(url, url, {"start_at": "2031-06-02T08:00"})
    assert moved.status_code == 302
    assert get_trip(api, trip)["start_at"] == "2031-06-02T08:00:00Z"
