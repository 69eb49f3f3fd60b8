"""A Python client generated from the live document drives the seed flow without a hand edit.

openapi-python-client turns the document the app serves into a package in a temporary
directory; the test imports it and calls the app through it (over httpx's WSGI transport, on
SQLite and PostgreSQL), with `raise_on_unexpected_status=True`, so every status the flow meets
must be documented, and every body must parse into the generated models, errors included.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

from tests.api.conftest import Api
from tests.conftest import make_settings
from travellr.app import create_app

PACKAGE = "travellr_generated_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The generated client package, imported from a temporary directory."""
    workdir = tmp_path_factory.mktemp("client")
    app = create_app(make_settings("sqlite://"))
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["travellr"].engine.dispose()
    (workdir / "openapi.json").write_text(json.dumps(document))
    (workdir / "config.json").write_text(json.dumps({"post_hooks": []}))
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.json",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
            del sys.modules[name]


class Generated:
    """The generated package's modules, and clients bound to the app under test."""

    def __init__(self, package: ModuleType, app: Flask) -> None:
        self.models = importlib.import_module(f"{PACKAGE}.models")
        self.package = package
        self.app = app

    def op(self, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{name}")

    def client(self, token: str | None = None) -> Any:
        options: dict[str, Any] = {
            "base_url": "http://localhost",
            "raise_on_unexpected_status": True,
            "httpx_args": {"transport": httpx.WSGITransport(app=self.app)},
        }
        if token is None:
            return self.package.Client(**options)
        return self.package.AuthenticatedClient(token=token, **options)


def test_a_generated_client_books_pays_cancels_and_reads_errors_and_analytics(
    generated: ModuleType, app: Flask, api: Api
) -> None:
    gen, models = Generated(generated, app), importlib.import_module(f"{PACKAGE}.models")
    register = gen.op("auth.register")
    vendor = register.sync(
        client=gen.client(),
        body=models.RegisterIn(
            email="vendor@client.example",
            password="SecurePass123",
            name="V",
            role=models.RegisterInRole.VENDOR,
        ),
    )
    traveller = register.sync(
        client=gen.client(),
        body=models.RegisterIn(
            email="traveller@client.example", password="SecurePass123", name="T"
        ),
    )
    assert isinstance(vendor, models.AuthOut)
    assert isinstance(traveller, models.AuthOut)
    assert vendor.user.role == "vendor"
    as_vendor, as_traveller = gen.client(vendor.access_token), gen.client(traveller.access_token)

    trip = gen.op("trips.create_trip").sync(
        client=as_vendor,
        body=models.CreateTripIn(
            title="Fjords",
            destination="Bergen",
            start_at=datetime.now(UTC) + timedelta(days=30),
            price="150.00",
            capacity=10,
        ),
    )
    assert isinstance(trip, models.TripOut)
    assert (trip.price, trip.seats_left) == ("150.00", 10)

    create_booking = gen.op("bookings.create_booking")
    booking = create_booking.sync(
        client=as_traveller,
        body=models.CreateBookingIn(trip_id=trip.id, seats=2, payment_method="pm_card_visa"),
    )
    assert isinstance(booking, models.BookingOut)
    assert (booking.status, booking.total_price) == ("confirmed", "300.00")

    read = gen.op("bookings.get_booking").sync(booking.id, client=as_traveller)
    assert isinstance(read, models.BookingOut)
    assert read.id == booking.id
    assert read.refund_amount is None

    cancelled = gen.op("bookings.cancel_booking").sync(
        booking.id, client=as_traveller, body=models.CancelBookingIn(reason="plans changed")
    )
    assert isinstance(cancelled, models.BookingOut)
    assert cancelled.status == "cancelled"
    assert cancelled.refund_amount == "300.00"  # 30 days ahead: the policy refunds it all

    declined = create_booking.sync_detailed(
        client=as_traveller,
        body=models.CreateBookingIn(trip_id=trip.id, payment_method="pm_card_chargeDeclined"),
    )
    assert declined.status_code == 402
    problem = declined.parsed
    assert isinstance(problem, models.PaymentDeclinedProblemOut)
    assert problem.code == "payment_declined"
    held = gen.op("bookings.get_booking").sync(problem.booking_id, client=as_traveller)
    assert held.status == "pending"

    analytics = gen.op("admin.get_analytics").sync(client=gen.client(api.admin()["access_token"]))
    assert isinstance(analytics, models.AnalyticsOut)
    assert (analytics.revenue.gross, analytics.revenue.refunds) == ("300.00", "300.00")
    assert analytics.bookings.total == 2
