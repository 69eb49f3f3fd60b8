"""The console's sessions, CSRF, headers and who may see what, over HTTP, on both databases."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.api.conftest import Api
from tests.api.factories import book, book_paid, make_trip
from tests.conftest import make_settings
from tests.console.conftest import Browser, csrf_of
from travellr.app import create_app
from travellr.config import Environment, RateLimit, Settings


def test_a_vendor_signs_in_sees_its_pages_and_signs_out(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = browser()
    signed_in = page.sign_in(vendor["user"]["email"], vendor["password"])
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/console/"
    assert page.get("/console/trips").status_code == 200
    out = page.post_form("/console/trips", "/console/sign-out", {})
    assert out.status_code == 302
    again = page.get("/console/trips")
    assert again.status_code == 302
    assert again.headers["Location"].startswith("/console/sign-in")


def test_sign_out_revokes_the_token_the_session_held(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    cookie = page.client.get_cookie("travellr_console", path="/console")
    page.post_form("/console/trips", "/console/sign-out", {})
    replay = browser()
    replay.client.set_cookie("travellr_console", cookie.value, path="/console")
    assert replay.get("/console/trips").status_code == 302


def test_a_wrong_password_is_refused_with_the_login_use_cases_answer(
    api: Api, browser: Any
) -> None:
    vendor = api.register("vendor")
    response = browser().sign_in(vendor["user"]["email"], "not-the-password")
    assert response.status_code == 401
    assert "Invalid email or password" in response.get_data(as_text=True)


def test_a_traveller_is_told_the_console_is_not_for_them(api: Api, browser: Any) -> None:
    traveller = api.register()
    page = browser()
    response = page.sign_in(traveller["user"]["email"], traveller["password"])
    assert response.headers["Location"] == "/console/not-for-you"
    text = page.get("/console/not-for-you").get_data(as_text=True)
    assert "for vendors and admins" in text
    assert page.get("/console/bookings").headers["Location"] == "/console/not-for-you"


def test_a_post_without_the_csrf_token_is_refused(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    trip = make_trip(api, vendor)
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    refused = page.client.post(f"/console/trips/{trip['id']}/archive")
    assert refused.status_code == 400
    forged = page.client.post(f"/console/trips/{trip['id']}/archive", data={"csrf_token": "x"})
    assert forged.status_code == 400
    assert api.client.get(f"/api/v1/trips/{trip['id']}").get_json()["status"] == "active"


def test_sign_in_itself_needs_the_csrf_token(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    body = {"email": vendor["user"]["email"], "password": vendor["password"]}
    assert browser().client.post("/console/sign-in", data=body).status_code == 400


def test_the_json_api_is_not_asked_for_a_csrf_token(api: Api) -> None:
    vendor = api.register("vendor")
    trip = make_trip(api, vendor)
    response = api.client.delete(f"/api/v1/trips/{trip['id']}", headers=Api.auth(vendor))
    assert response.status_code == 204


def test_a_vendor_cannot_open_another_vendors_booking_or_trip(api: Api, browser: Any) -> None:
    owner, other = api.register("vendor"), api.register("vendor")
    trip = make_trip(api, owner, title="The owner's trip")
    booking = book(api, api.register(), trip)
    page = browser()
    page.sign_in(other["user"]["email"], other["password"])
    assert page.get(f"/console/bookings/{booking['id']}").status_code == 404
    assert page.get(f"/console/bookings/{booking['id']}/cancel").status_code == 404
    assert page.get(f"/console/trips/{trip['id']}").status_code == 404
    archive = page.post_form("/console/trips", f"/console/trips/{trip['id']}/archive", {})
    assert archive.status_code == 404
    mine = browser()
    mine.sign_in(owner["user"]["email"], owner["password"])
    assert mine.get(f"/console/bookings/{booking['id']}").status_code == 200
    assert mine.get(f"/console/trips/{trip['id']}").status_code == 200
    assert "The owner&#39;s trip" in mine.get("/console/trips").get_data(as_text=True)
    listed = page.get("/console/trips", query_string={"vendor_id": owner["user"]["id"]})
    assert "owner&#39;s trip" not in listed.get_data(as_text=True)
    bookings = page.get("/console/bookings").get_data(as_text=True)
    assert booking["id"][:8] not in bookings


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(
    api: Api, browser: Any
) -> None:
    vendor = api.register("vendor")
    response = browser().sign_in(vendor["user"]["email"], vendor["password"])
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("travellr_console=")
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/console"):
        assert flag in cookie
    assert "Secure" not in cookie  # not in production: local http must work


def test_the_session_cookie_is_secure_in_production(settings: Settings) -> None:
    production = Settings(
        **{
            **settings.__dict__,
            "environment": Environment.PRODUCTION,
            "secret_key": "a-production-secret-key-of-at-least-32-chars",
        }
    )
    app = create_app(production)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app.extensions["travellr"].engine.dispose()


def test_signing_in_again_rotates_the_session(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = browser()
    first = page.sign_in(vendor["user"]["email"], vendor["password"]).headers["Set-Cookie"]
    second = page.sign_in(vendor["user"]["email"], vendor["password"]).headers["Set-Cookie"]
    assert first.split(";")[0] != second.split(";")[0]


def test_a_deactivated_users_session_stops_at_once(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    assert page.get("/console/trips").status_code == 200
    admin = api.admin()
    deactivated = api.client.delete(
        f"/api/v1/users/{vendor['user']['id']}", headers=Api.auth(admin)
    )
    assert deactivated.status_code in (200, 204), deactivated.get_json()
    assert page.get("/console/trips").status_code == 302


def test_every_console_page_has_the_strict_csp_and_refuses_framing(api: Api, browser: Any) -> None:
    admin = api.admin()
    vendor = api.register("vendor")
    trip = make_trip(api, vendor)
    booking = book_paid(api, api.register(), trip)
    page = browser()
    pages = ["/console/sign-in"]
    page.sign_in(admin["user"]["email"])
    pages += [
        "/console/dashboard",
        "/console/bookings",
        f"/console/bookings/{booking['id']}",
        f"/console/bookings/{booking['id']}/cancel",
        "/console/trips",
        f"/console/trips?destination=Cham&vendor_id={vendor['user']['id']}",
        "/console/trips/new",
        f"/console/trips/{trip['id']}",
        "/console/not-for-you",
        "/console/users",
        "/console/users?q=example&role=vendor&is_active=true",
        "/console/audit-log",
        "/console/audit-log?subject_type=booking",
        "/console/payouts",
        f"/console/payouts?vendor_id={vendor['user']['id']}",
    ]
    for url in pages:
        response = page.get(url)
        assert response.status_code == 200, url
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp, url
        assert "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp, url
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store", url
        assert "<script>" not in response.get_data(as_text=True), url


def test_assets_are_cached_for_a_year_under_their_content_hash(
    api: Api, browser: Any, app: Flask
) -> None:
    page = browser()
    page.sign_in(api.admin()["user"]["email"])
    html = page.get("/console/dashboard").get_data(as_text=True)
    assert "vendor/chart.js/chart.umd.min.js?v=" in html
    start = html.index("/console/assets/charts.js?v=")
    url = html[start : html.index('"', start)]
    response = page.get(url, buffered=True)
    response.close()
    assert response.status_code == 200
    assert b"new Chart(" in response.data
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert csrf_of(page.get("/console/trips").get_data(as_text=True))


def test_a_password_change_ends_the_session_at_once(api: Api, browser: Any) -> None:
    vendor = api.register("vendor")
    page = browser()
    page.sign_in(vendor["user"]["email"], vendor["password"])
    changed = api.client.put(
        "/api/v1/users/me",
        json={"password": "AnotherPass456", "current_password": vendor["password"]},
        headers=Api.auth(vendor),
    )
    assert changed.status_code == 200, changed.get_json()
    assert page.get("/console/trips").status_code == 302
    assert page.sign_in(vendor["user"]["email"], "AnotherPass456").status_code == 302
    assert page.get("/console/trips").status_code == 200


def test_sign_in_counts_against_the_login_rate_limit(database_url: str) -> None:
    app = create_app(make_settings(database_url, rate_limit_login=RateLimit(2, 60)))
    try:
        page = Browser(app)
        answers = [page.sign_in("nobody@example.com", "wrong-password").status_code for _ in "abc"]
        assert answers == [401, 401, 429]
        api_login = app.test_client().post(
            "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x"}
        )
        assert api_login.status_code == 429  # one count for the console and the API
    finally:
        app.extensions["travellr"].engine.dispose()
