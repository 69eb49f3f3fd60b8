"""A platform fee other than the default 20 % (PLATFORM_FEE_PERCENT) reaches every place that
splits money: the payout by hand, the scheduled payout run, and what a refund after a payout
takes back from the vendor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, update

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip
from tests.api.test_payouts import (
    _assert_books_balance,
    _balance,
    _balance_of,
    _completed_booking,
    _pay_out,
    _refund,
)
from tests.conftest import make_settings
from travellr.cli import main
from travellr.config import Settings
from travellr.domain.money import CommissionRate
from travellr.infrastructure.db import tables


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, commission=CommissionRate(vendor_share=Decimal("0.70")))


def test_a_payout_by_hand_keeps_the_configured_fee(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "200.00")
    assert _balance(api, vendor, admin) == _balance_of("140.00", "0.00", "140.00")

    payout = _pay_out(api, vendor, admin).get_json()

    assert (payout["vendor_amount"], payout["platform_fee"]) == ("140.00", "60.00")
    _assert_books_balance(api.app)


def test_a_refund_after_the_payout_takes_back_the_vendors_configured_share(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    booking = _completed_booking(api, vendor, "200.00")
    assert _pay_out(api, vendor, admin).get_json()["vendor_amount"] == "140.00"

    _refund(api, booking, admin, "50.00")  # the vendor had 70 % of it: 35.00

    assert _balance(api, vendor, admin) == _balance_of("105.00", "140.00", "-35.00")
    _assert_books_balance(api.app)


def test_the_scheduled_payout_run_keeps_the_configured_fee(
    app: Flask, api: Api, database_url: str
) -> None:
    vendor = api.register("vendor")
    trip = make_trip(api, vendor, price="200.00")
    booking = book_paid(api, api.register(), trip)
    ended = datetime.now(UTC) - timedelta(hours=1)
    engine = app.extensions["travellr"].engine
    with engine.begin() as connection:
        trips, bookings = tables.trips, tables.bookings
        connection.execute(
            update(trips)
            .where(trips.c.id == UUID(trip["id"]))
            .values(start_at=ended - timedelta(days=1), end_at=ended)
        )
        connection.execute(
            update(bookings)
            .where(bookings.c.id == UUID(booking["id"]))
            .values(trip_date=ended - timedelta(days=1))
        )
    env = {"DATABASE_URL": database_url, "TRAVELLR_ENV": "testing", "LOG_LEVEL": "WARNING"}
    env["PLATFORM_FEE_PERCENT"] = "30"
    for job in ("complete-bookings", "pay-vendors"):
        ran = CliRunner().invoke(main, ["jobs", "run", job], env=env, catch_exceptions=False)
        assert ran.exit_code == 0, ran.output

    with engine.connect() as connection:
        payouts = tables.payouts.c
        paid: Any = connection.execute(
            select(payouts.vendor_amount, payouts.platform_fee).where(
                payouts.vendor_id == UUID(vendor["user"]["id"])
            )
        ).one()
    assert (paid.vendor_amount, paid.platform_fee) == (Decimal("140.00"), Decimal("60.00"))
