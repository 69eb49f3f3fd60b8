"""The back office in headless Chromium, against a real `travellr serve`.

Each role signs in and out; the dashboard's figures are the API's and its chart is drawn; a
vendor creates a trip through the form; an admin cancels a booking for the policy's refund; a
vendor creates a webhook endpoint through the form and sees its secret once (its ping goes to a
real HTTP server on 127.0.0.1, so the server allows private addresses); the issue's
walk-through: an admin finds a booking by traveller email and reads its refunds, picks a
vendor by search and previews its payout; a vendor sees seats left and its archived trips,
refunds a booking on its trip, and reads its balance and payouts-per-month chart.
Every page, at 1280 px and 375 px: no request leaves the origin, no CSP violation, no
horizontal scroll, no serious or critical axe-core violation (axe-core vendored under
tests/e2e/vendor/, `make vendor-axe-core`), and a screenshot in build/screenshots/.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright
from standardwebhooks import Webhook

from tests.support.browser import CHROMIUM, FLAGS, require_chromium
from tests.support.server import ServerProcess, travellr_env, travellr_server
from tests.support.webhook_receiver import Receiver, running_receiver
from travellr.application.payouts import complete_booking
from travellr.domain.policy import DEFAULT_POLICY
from travellr.infrastructure.db.engine import make_engine, make_session_factory
from travellr.infrastructure.db.mapping import map_domain
from travellr.infrastructure.db.migrate import upgrade
from travellr.infrastructure.db.uow import SqlUnitOfWork

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
PASSWORD = "SecurePass123"
WIDTHS = {"desktop": 1280, "phone": 375}


@dataclass
class Marketplace:
    server: ServerProcess
    admin: str
    vendor: str
    traveller: str
    trip: dict[str, Any]
    receiver: Receiver
    bookings: list[dict[str, Any]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    archived_trip: dict[str, Any] = field(default_factory=dict)

    def api(self, method: str, path: str, who: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = requests.request(
            method, self.server.url(path), headers=headers, timeout=10, **kwargs
        )
        assert response.status_code < 300, response.text
        return response.json() if response.content else None


def _register(server: ServerProcess, role: str) -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": f"A {role}", "role": role}
    response = requests.post(server.url("/api/v1/auth/register"), json=body, timeout=10)
    assert response.status_code == 201, response.text
    return email, response.json()["access_token"]


def _login(server: ServerProcess, email: str) -> str:
    body = {"email": email, "password": PASSWORD}
    response = requests.post(server.url("/api/v1/auth/login"), json=body, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Marketplace]:
    require_chromium()
    workdir = tmp_path_factory.mktemp("console")
    database_url = f"sqlite:///{workdir / 'travellr.db'}"
    upgrade(database_url)
    admin = f"admin-{uuid.uuid4().hex[:8]}@example.com"
    travellr = [sys.executable, "-c", "from travellr.cli import main; main()"]
    subprocess.run(
        [
            *travellr,
            "create-admin",
            "--email",
            admin,
            "--name",
            "Ada Admin",
            "--password",
            PASSWORD,
        ],
        env=travellr_env(database_url),
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    with (
        running_receiver() as receiver,
        travellr_server(
            database_url,
            workdir / "server.log",
            workers=1,
            extra_env={"WEBHOOK_ALLOW_PRIVATE": "true"},
        ) as server,
    ):
        vendor, vendor_token = _register(server, "vendor")
        traveller, traveller_token = _register(server, "traveler")
        start = (datetime.now(UTC) + timedelta(days=30)).isoformat()
        trip_body = {
            "title": "Fjords by kayak",
            "destination": "Bergen",
            "start_at": start,
            "price": "1234.50",
            "capacity": 12,
        }
        headers = {"Authorization": f"Bearer {vendor_token}"}
        trip = requests.post(
            server.url("/api/v1/trips"), json=trip_body, headers=headers, timeout=10
        ).json()
        market = Marketplace(server, admin, vendor, traveller, trip, receiver)
        market.tokens = {
            "admin": _login(server, admin),
            "vendor": vendor_token,
            "traveller": traveller_token,
        }
        for seats in (2, 1):
            market.bookings.append(_book(market, trip, seats))
        hook = {"url": receiver.url, "events": ["booking.created"], "description": "Ops"}
        market.webhook = market.api("POST", "/api/v1/webhook-endpoints", "vendor", json=hook)
        market.api("POST", f"/api/v1/webhook-endpoints/{market.webhook['id']}/test", "vendor")
        _refund(market, market.bookings[1], "100.00", "Rain on the day")
        market.archived_trip = _archived_trip(market)
        _paid_out_in_march_2031(market, database_url)
        yield market


def _book(market: Marketplace, trip: dict[str, Any], seats: int = 1) -> dict[str, Any]:
    body = {"trip_id": trip["id"], "seats": seats, "payment_method": "pm_card_visa"}
    return dict(market.api("POST", "/api/v1/bookings", "traveller", json=body))


def _payment(market: Marketplace, booking: dict[str, Any]) -> dict[str, Any]:
    query = f"/api/v1/payments?booking_id={booking['id']}"
    [payment] = market.api("GET", query, "vendor")["items"]
    return dict(payment)


def _refund(market: Marketplace, booking: dict[str, Any], amount: str, reason: str) -> None:
    refund = f"/api/v1/payments/{_payment(market, booking)['id']}/refund"
    market.api("POST", refund, "vendor", json={"amount": amount, "reason": reason})


def _archived_trip(market: Marketplace) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=90)).isoformat()
    body = {"title": "Retired route", "destination": "Tromsø", "start_at": start}
    trip = market.api(
        "POST", "/api/v1/trips", "vendor", json={**body, "price": "99.00", "capacity": 4}
    )
    market.api("DELETE", f"/api/v1/trips/{trip['id']}", "vendor")
    return dict(trip)


def _paid_out_in_march_2031(market: Marketplace, database_url: str) -> None:
    """A booking on a March 2031 trip, completed as the job would after it, and paid out."""
    body = {"title": "Spring skiing", "destination": "Narvik", "start_at": "2031-03-15T09:00:00Z"}
    trip = market.api(
        "POST", "/api/v1/trips", "vendor", json={**body, "price": "500.00", "capacity": 6}
    )
    booking = _book(market, trip, 2)
    map_domain()
    engine = make_engine(database_url)
    try:
        complete_booking(
            uuid.UUID(booking["id"]),
            uow=SqlUnitOfWork(make_session_factory(engine)),
            now=datetime(2031, 4, 1, tzinfo=UTC),
        )
    finally:
        engine.dispose()
    period = {"period_start": "2031-03-01", "period_end": "2031-03-31"}
    market.api("POST", f"/api/v1/vendors/{trip['vendor_id']}/payout", "admin", json=period)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    page: Page
    requested: list[str]
    csp_violations: list[str]


@pytest.fixture
def visit(chromium: Browser, market: Marketplace) -> Iterator[Any]:
    """A fresh browser context (no cookies) at a width, recording what it requests."""
    contexts = []

    def open_at(width: int = 1280) -> Visit:
        context = chromium.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page, [], [])
        page.on("request", lambda request: seen.requested.append(request.url))
        page.on(
            "console",
            lambda message: (
                seen.csp_violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        return seen

    yield open_at
    for context in contexts:
        context.close()


def sign_in(visit: Visit, market: Marketplace, email: str) -> Page:
    page = visit.page
    page.goto(market.server.url("/console/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return page


def money(amount: str | Decimal) -> str:
    return f"{Decimal(amount):,.2f} USD"


@pytest.mark.parametrize(
    ("who", "lands_on", "heading"),
    [
        ("admin", "/console/dashboard", "Dashboard"),
        ("vendor", "/console/trips", "Trips"),
        ("traveller", "/console/not-for-you", "The console is for vendors and admins"),
    ],
)
def test_each_role_signs_in_and_out(
    visit: Any, market: Marketplace, who: str, lands_on: str, heading: str
) -> None:
    seen = visit()
    page = sign_in(seen, market, getattr(market, who))
    assert page.url == market.server.url(lands_on)
    assert page.get_by_role("heading", level=1).text_content() == heading
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.url.startswith(market.server.url("/console/sign-in"))
    page.goto(market.server.url(lands_on))
    assert page.url.startswith(market.server.url("/console/sign-in"))
    assert seen.csp_violations == []


def test_the_dashboard_shows_the_apis_figures_and_draws_its_chart(
    visit: Any, market: Marketplace
) -> None:
    page = sign_in(visit(), market, market.admin)
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    first, last = page.input_value("#from"), page.input_value("#to")
    api = market.api("GET", f"/api/v1/admin/analytics?from={first}&to={last}", "admin")
    shown = {
        name: page.text_content(f"[data-figure={name}]")
        for name in ("gross", "refunds", "net", "platform_fee", "vendor_share", "paid_out")
    }
    assert shown == {name: money(api["revenue"][name]) for name in shown}
    assert Decimal(api["revenue"]["gross"]) > 0
    assert page.text_content("[data-figure=bookings]") == str(api["bookings"]["total"])
    assert page.text_content("[data-figure=new_users]") == str(api["users"]["new"])
    drawn = page.evaluate(
        """() => {
        const canvas = document.getElementById("daily-chart");
        const chart = Chart.getChart(canvas);
        const blank = document.createElement("canvas");
        blank.width = canvas.width; blank.height = canvas.height;
        return {
            gross: chart.data.datasets[0].data.reduce((a, b) => a + b, 0),
            days: chart.data.labels.length,
            painted: canvas.toDataURL() !== blank.toDataURL(),
        };
    }"""
    )
    assert drawn["painted"]
    assert drawn["days"] == len(api["daily"])
    assert Decimal(str(drawn["gross"])).quantize(Decimal("0.01")) == Decimal(
        api["revenue"]["gross"]
    )


def test_a_vendor_creates_a_trip_through_the_form_and_the_api_sees_it(
    visit: Any, market: Marketplace
) -> None:
    page = sign_in(visit(375), market, market.vendor)
    page.get_by_role("link", name="New trip").click()
    page.get_by_label("Title").fill("Lofoten by bike")
    page.get_by_label("Destination").fill("Lofoten")
    page.get_by_label("Starts (UTC)").fill("2030-06-01T09:30")
    page.get_by_label("Price (USD)").fill("899.00")
    page.get_by_label("Capacity (seats)").fill("8")
    page.get_by_role("button", name="Create trip").click()
    page.wait_for_load_state()
    trip_id = page.url.rsplit("/", 1)[-1].split("?")[0]
    trip = requests.get(market.server.url(f"/api/v1/trips/{trip_id}"), timeout=10).json()
    assert trip["title"] == "Lofoten by bike"
    assert trip["start_at"] == "2030-06-01T09:30:00Z"
    assert trip["price"] == "899.00"
    assert trip["capacity"] == 8
    assert trip["vendor_id"] == market.trip["vendor_id"]


def test_a_vendor_edits_then_archives_a_trip_through_its_page(
    visit: Any, market: Marketplace
) -> None:
    start = (datetime.now(UTC) + timedelta(days=45)).isoformat()
    body = {"title": "Glacier walk", "destination": "Jostedal", "start_at": start}
    trip = market.api(
        "POST", "/api/v1/trips", "vendor", json={**body, "price": "300.00", "capacity": 9}
    )
    page = sign_in(visit(375), market, market.vendor)
    page.get_by_role("link", name="Glacier walk").click()
    page.get_by_label("Price (USD)").fill("315.00")
    page.get_by_label("Capacity (seats)").fill("11")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").text_content() == "Saved."
    edited = market.api("GET", f"/api/v1/trips/{trip['id']}", "vendor")
    assert (edited["price"], edited["capacity"], edited["seats_left"]) == ("315.00", 11, 11)
    page.get_by_role("button", name="Archive this trip").click()
    page.wait_for_load_state()
    assert page.text_content("[data-field=status]") == "archived"
    assert market.api("GET", f"/api/v1/trips/{trip['id']}", "vendor")["status"] == "archived"


def test_an_admin_cancels_a_booking_for_the_policys_refund(visit: Any, market: Marketplace) -> None:
    booking = market.bookings[0]
    page = sign_in(visit(), market, market.admin)
    page.goto(market.server.url(f"/console/bookings/{booking['id']}"))
    page.get_by_role("link", name="Cancel this booking…").click()
    page.wait_for_load_state()
    fraction = DEFAULT_POLICY.refund_fraction(
        by_traveller=False,
        trip_date=datetime.fromisoformat(booking["trip_date"]),
        now=datetime.now(UTC),
    )
    expected = (Decimal(booking["total_price"]) * fraction).quantize(Decimal("0.01"))
    assert page.text_content("[data-field=refund-preview]") == money(expected)
    page.get_by_label("Reason (optional)").fill("weather")
    page.get_by_role("button", name=f"Cancel the booking and refund {money(expected)}").click()
    page.wait_for_load_state()
    assert page.text_content("[data-field=status]") == "cancelled"
    assert page.text_content("[data-field=refund]") == money(expected)
    after = market.api("GET", f"/api/v1/bookings/{booking['id']}", "admin")
    assert after["status"] == "cancelled"
    assert Decimal(after["refund_amount"]) == expected


def test_a_vendor_creates_a_webhook_endpoint_and_sees_its_secret_once(
    visit: Any, market: Marketplace
) -> None:
    seen = visit(375)
    page = sign_in(seen, market, market.vendor)
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("link", name="New endpoint").click()
    page.get_by_label("URL").fill(market.receiver.url + "/console")
    page.get_by_label("booking.confirmed").check()
    page.get_by_label("payout.paid").check()
    page.get_by_label("Description (optional)").fill("Accounting")
    page.get_by_role("button", name="Create endpoint").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).text_content() == "Endpoint created"
    assert "shown only this once" in (page.text_content("main") or "")
    secret = page.get_by_label("Signing secret").input_value()
    assert secret.startswith("whsec_")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-webhook-secret-375.png"), full_page=True)
    assert page_problems(page) == {}
    page.get_by_role("link", name="I have copied it: go to the endpoint").click()
    page.wait_for_load_state()
    assert secret not in page.content()
    endpoint_id = page.url.rsplit("/", 1)[-1]
    shown = market.api("GET", f"/api/v1/webhook-endpoints/{endpoint_id}", "vendor")
    assert shown["url"] == market.receiver.url + "/console"
    assert shown["events"] == ["booking.confirmed", "payout.paid"]
    assert shown["description"] == "Accounting"
    page.get_by_role("button", name="Send a test ping").click()
    page.wait_for_load_state()
    deadline = time.monotonic() + 20
    while not [r for r in market.receiver.received if r.path == "/hooks/console"]:
        assert time.monotonic() < deadline, "the ping never arrived"
        time.sleep(0.1)
    [ping] = [r for r in market.receiver.received if r.path == "/hooks/console"]
    assert Webhook(secret).verify(ping.body, ping.headers)["type"] == "ping"
    assert secret not in page.content()
    assert seen.csp_violations == []


def test_an_admin_finds_a_booking_by_traveller_email_and_reads_its_refunds(
    visit: Any, market: Marketplace
) -> None:
    booking = market.bookings[1]
    page = sign_in(visit(375), market, market.admin)
    page.get_by_role("link", name="Bookings", exact=True).click()
    page.get_by_label("Traveller email").fill(market.traveller.upper())
    page.get_by_label("Status").select_option("confirmed")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    page.get_by_role("link", name=f"{booking['id'][:8]}…").click()
    page.wait_for_load_state()
    payment = _payment(market, booking)
    refunds = market.api("GET", f"/api/v1/payments/{payment['id']}/refunds", "admin")["items"]
    after = market.api("GET", f"/api/v1/bookings/{booking['id']}", "admin")
    lines = page.locator("[data-field=refund-amount]").all_text_contents()
    assert lines == [money(refund["amount"]) for refund in refunds] == [money("100.00")]
    assert page.text_content("[data-field=refunds-total]") == money(after["refund_amount"])
    assert "Rain on the day" in page.locator("tr[data-refund]").text_content()
    assert "payment.refunded" in page.text_content("main")


def test_a_vendor_sees_seats_left_and_its_archived_trips(visit: Any, market: Marketplace) -> None:
    page = sign_in(visit(375), market, market.vendor)
    trip = market.api("GET", f"/api/v1/trips/{market.trip['id']}", "vendor")
    row = page.get_by_role("row", name=market.trip["title"])
    assert f"{trip['seats_left']} / {trip['capacity']}" in row.text_content()
    page.get_by_label("Status").select_option("archived")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert set(page.locator("[data-field=status]").all_text_contents()) == {"archived"}
    page.get_by_role("link", name="Retired route").click()
    page.wait_for_load_state()
    assert page.get_by_text("This trip is archived").is_visible()
    assert page.get_by_role("button", name="Archive this trip").count() == 0


def test_a_vendor_refunds_a_booking_on_its_trip(visit: Any, market: Marketplace) -> None:
    booking = _book(market, market.trip)
    page = sign_in(visit(), market, market.vendor)
    page.goto(market.server.url(f"/console/bookings/{booking['id']}"))
    page.get_by_label("Amount in USD (blank: all that is left)").fill("34.50")
    page.get_by_label("Reason (optional)").fill("Missed the ferry")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("[data-field=refund-amount]").all_text_contents() == [money("34.50")]
    assert page.text_content("[data-field=refund]") == money("34.50")
    assert _payment(market, booking)["amount_refunded"] == "34.50"


def test_a_vendor_reads_its_balance_and_payouts_per_month(visit: Any, market: Marketplace) -> None:
    page = sign_in(visit(), market, market.vendor)
    page.get_by_role("link", name="Payouts", exact=True).click()
    page.wait_for_load_state("networkidle")
    vendor_id = market.trip["vendor_id"]
    balance = market.api("GET", f"/api/v1/vendors/{vendor_id}/balance", "vendor")
    for name in ("earned", "paid_out", "available"):
        assert page.text_content(f"[data-figure={name}]") == money(balance[name])
    payouts = market.api("GET", f"/api/v1/vendors/{vendor_id}/payouts", "vendor")["items"]
    paid = sum(Decimal(p["vendor_amount"]) for p in payouts if p["status"] == "paid")
    assert paid > 0
    drawn = page.evaluate(
        """() => {
        const chart = Chart.getChart(document.getElementById("payouts-chart"));
        return {total: chart.data.datasets[0].data.reduce((a, b) => a + Number(b), 0),
                months: chart.data.labels};
    }"""
    )
    assert Decimal(str(drawn["total"])).quantize(Decimal("0.01")) == paid
    assert drawn["months"] == [datetime.now(UTC).strftime("%Y-%m")]


def test_an_admin_picks_a_vendor_by_search_with_the_keyboard(
    visit: Any, market: Marketplace
) -> None:
    page = sign_in(visit(375), market, market.admin)
    page.goto(market.server.url("/console/payouts"))
    search = page.get_by_label("Vendor email or name contains")
    search.fill(market.vendor.split("@")[0])
    search.press("Enter")
    page.wait_for_load_state()
    link = page.get_by_role("link", name=f"A vendor ({market.vendor})")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    vendor_id = market.trip["vendor_id"]
    assert page.url.startswith(market.server.url(f"/console/payouts?vendor_id={vendor_id}"))
    balance = market.api("GET", f"/api/v1/vendors/{vendor_id}/balance", "admin")
    assert page.text_content("[data-figure=available]") == money(balance["available"])
    assert page.get_by_role("heading", name="Run a payout").is_visible()


def _pages(market: Marketplace) -> dict[str, tuple[str, str]]:
    """Name: (who signs in, path)."""
    booking, trip = market.bookings[-1], market.trip
    return {
        "sign-in": ("", "/console/sign-in"),
        "not-for-you": ("traveller", "/console/not-for-you"),
        "dashboard": ("admin", "/console/dashboard"),
        "bookings-admin": ("admin", "/console/bookings"),
        "booking": ("admin", f"/console/bookings/{booking['id']}"),
        "cancel-booking": ("admin", f"/console/bookings/{booking['id']}/cancel"),
        "bookings-vendor": ("vendor", "/console/bookings"),
        "trips-vendor": ("vendor", "/console/trips"),
        "trips-admin": ("admin", "/console/trips?status=all"),
        "trips-archived": ("vendor", "/console/trips?status=archived"),
        "archived-trip": ("vendor", f"/console/trips/{market.archived_trip['id']}"),
        "new-trip": ("vendor", "/console/trips/new"),
        "edit-trip": ("vendor", f"/console/trips/{trip['id']}"),
        "users": ("admin", "/console/users"),
        "payouts-vendor": ("vendor", "/console/payouts"),
        "payouts-admin": ("admin", f"/console/payouts?vendor_id={market.trip['vendor_id']}"),
        "payouts-pick": ("admin", "/console/payouts?q=vendor"),
        "audit-log": ("admin", "/console/audit-log"),
        **_webhook_pages(market),
    }


def _webhook_pages(market: Marketplace) -> dict[str, tuple[str, str]]:
    endpoint = f"/console/webhooks/{market.webhook['id']}"
    return {
        "webhooks-vendor": ("vendor", "/console/webhooks"),
        "webhooks-admin": ("admin", "/console/webhooks"),
        "new-webhook": ("vendor", "/console/webhooks/new"),
        "webhook": ("vendor", endpoint),
        "webhook-deliveries": ("vendor", f"{endpoint}/deliveries"),
        "delete-webhook": ("vendor", f"{endpoint}/delete"),
    }


def page_problems(page: Page) -> dict[str, Any]:
    """Horizontal scroll and serious or critical axe-core violations on the page; {} if none."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.evaluate(AXE)
    violations = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => v.id + ": " + v.nodes.map(n => n.target.join(" ")).join(", "))"""
    )
    return {"overflow_px": overflow, "axe": violations} if overflow > 0 or violations else {}


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_is_same_origin_unscrolled_accessible_and_shot(
    visit: Any, market: Marketplace, width: str
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    failures: dict[str, Any] = {}
    signed_in: dict[str, Visit] = {}
    for name, (who, path) in _pages(market).items():
        if who not in signed_in:
            signed_in[who] = visit(WIDTHS[width])
            if who:
                sign_in(signed_in[who], market, getattr(market, who))
        seen = signed_in[who]
        page = seen.page
        response = page.goto(market.server.url(path))
        assert response is not None
        assert response.status == 200, name
        page.wait_for_load_state("networkidle")
        page.screenshot(
            path=str(SCREENSHOTS / f"console-{name}-{WIDTHS[width]}.png"), full_page=True
        )
        if problems := page_problems(page):
            failures[name] = problems
    origin = market.server.base_url
    elsewhere = [
        url
        for seen in signed_in.values()
        for url in seen.requested
        if not url.startswith((origin, "data:", "blob:"))
    ]
    assert elsewhere == []
    assert [v for seen in signed_in.values() for v in seen.csp_violations] == []
    assert failures == {}
