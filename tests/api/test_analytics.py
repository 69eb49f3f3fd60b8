"""Admin analytics on a fixture with known answers, every figure worked out by hand.

The period is 2025-03-01..2025-03-03 (UTC). Rows sit on its edges (00:00:00 on the first day,
23:59:59.999999 on the last), just outside them, and at times written with non-UTC offsets
whose local date differs from the UTC one: only the UTC instant decides.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip
from travellr.infrastructure.db import tables

ANALYTICS = "/api/v1/admin/analytics"
PERIOD = {"from": "2025-03-01", "to": "2025-03-03"}
PLUS_2, PLUS_3, MINUS_5 = (timezone(timedelta(hours=h)) for h in (2, 3, -5))


def utc(year: int, month: int, day: int, *clock: int) -> datetime:
    return datetime(year, month, day, *clock, tzinfo=UTC)


LAST_MICROSECOND = (23, 59, 59, 999999)


def vid(n: int) -> uuid.UUID:
    """Vendor ids in a known order, so that ties in top_vendors break predictably."""
    return uuid.UUID(f"00000000-0000-4000-8000-{n:012d}")


class Rows:
    """Inserts rows straight into the tables, with the timestamps a test chooses."""

    def __init__(self, app: Flask) -> None:
        self.engine = app.extensions["travellr"].engine
        self.vendor_of: dict[uuid.UUID, uuid.UUID] = {}  # booking -> vendor

    def _insert(self, table: Any, **values: Any) -> uuid.UUID:
        values.setdefault("id", uuid.uuid4())
        with self.engine.begin() as connection:
            connection.execute(insert(table).values(**values))
        return uuid.UUID(str(values["id"]))

    def user(self, role: str, created_at: datetime, name: str = "User", **kw: Any) -> uuid.UUID:
        return self._insert(
            tables.users,
            email=f"{uuid.uuid4().hex[:12]}@example.com",
            password_hash="x",
            name=name,
            role=role,
            is_active=True,
            created_at=created_at,
            updated_at=created_at,
            **kw,
        )

    def trip(self, vendor_id: uuid.UUID) -> uuid.UUID:
        moment = utc(2025, 1, 1)
        return self._insert(
            tables.trips,
            vendor_id=vendor_id,
            title="Trip",
            destination="Somewhere",
            start_at=utc(2025, 6, 1),
            price=Decimal("10.00"),
            currency="USD",
            capacity=100,
            seats_taken=0,
            status="active",
            created_at=moment,
            updated_at=moment,
        )

    def booking(
        self, trip: uuid.UUID, vendor: uuid.UUID, user: uuid.UUID, status: str, created_at: datetime
    ) -> uuid.UUID:
        booking = self._insert(
            tables.bookings,
            user_id=user,
            vendor_id=vendor,
            trip_id=trip,
            trip_date=utc(2025, 6, 1),
            seats=1,
            total_price=Decimal("10.00"),
            currency="USD",
            status=status,
            expires_at=created_at + timedelta(minutes=30),
            created_at=created_at,
            updated_at=created_at,
        )
        self.vendor_of[booking] = vendor
        return booking

    def payment(
        self,
        booking: uuid.UUID,
        user: uuid.UUID,
        amount: str,
        paid_at: datetime | None,
        status: str = "succeeded",
        refunded: str = "0.00",
    ) -> uuid.UUID:
        created = (paid_at or utc(2025, 3, 2)) - timedelta(seconds=1)
        return self._insert(
            tables.payments,
            booking_id=booking,
            user_id=user,
            vendor_id=self.vendor_of[booking],
            amount=Decimal(amount),
            currency="USD",
            status=status,
            amount_refunded=Decimal(refunded),
            provider="mock",
            paid_at=paid_at,
            created_at=created,
            updated_at=created,
        )

    def refund(
        self, payment: uuid.UUID, booking: uuid.UUID, amount: str, at: datetime, status: str
    ) -> None:
        self._insert(
            tables.refunds,
            payment_id=payment,
            booking_id=booking,
            amount=Decimal(amount),
            currency="USD",
            status=status,
            created_at=at,
        )

    def payout(self, vendor: uuid.UUID, vendor_amount: str, at: datetime, status: str) -> None:
        share = Decimal(vendor_amount)
        self._insert(
            tables.payouts,
            vendor_id=vendor,
            period_start=date(2025, 1, 1),
            period_end=date(2025, 1, 31),
            gross_amount=share * 2,
            refunded_amount=Decimal("0.00"),
            adjustment_amount=Decimal("0.00"),
            vendor_amount=share,
            platform_fee=share,
            booking_count=1,
            currency="USD",
            status=status,
            created_at=at,
            updated_at=at,
        )


@pytest.fixture
def known_books(app: Flask) -> None:
    """Users, bookings, payments, refunds and payouts with hand-worked answers (see the test)."""
    rows = Rows(app)
    # Users: 11 created by the end of 2025-03-03; 4 of them inside the period.
    t1 = rows.user("traveler", utc(2025, 2, 1, 12))
    t2 = rows.user("traveler", datetime(2025, 3, 1, 1, 30, tzinfo=PLUS_3))  # 02-28 22:30Z: before
    names = ["Alpine Co", "Beach Ltd", "City Tours", "Desert Trips", "Eco Walks", "Fjord Cruises"]
    for n, name in enumerate(names, start=1):
        created = utc(2025, 3, 1) if n == 2 else utc(2025, 1, n)  # Beach Ltd is new, at 00:00
        rows.user("vendor", created, name=name, id=vid(n))
    rows.user("traveler", utc(2025, 3, 3, *LAST_MICROSECOND))  # new, last instant
    rows.user("traveler", datetime(2025, 3, 4, 1, 30, tzinfo=PLUS_2))  # 03-03 23:30Z: new
    rows.user("traveler", utc(2025, 3, 4))  # the next midnight: outside
    rows.user("admin", utc(2025, 3, 2, 8))  # new
    trip = {n: rows.trip(vid(n)) for n in range(1, 7)}

    def booking(n: int, user: uuid.UUID, status: str, at: datetime) -> uuid.UUID:
        return rows.booking(trip[n], vid(n), user, status, at)

    # Bookings: 6 created in the period, 2 on each UTC day.
    b1 = booking(1, t1, "confirmed", utc(2025, 3, 1))  # day 1, first instant
    b2 = booking(1, t1, "completed", utc(2025, 2, 28, *LAST_MICROSECOND))  # outside
    booking(2, t2, "pending", utc(2025, 3, 3, *LAST_MICROSECOND))  # day 3, last instant
    b4 = booking(2, t2, "confirmed", utc(2025, 3, 4))  # outside
    b5 = booking(3, t1, "cancelled", datetime(2025, 3, 2, 20, tzinfo=MINUS_5))  # day 3 (01:00Z)
    b6 = booking(4, t1, "completed", datetime(2025, 3, 2, 1, tzinfo=PLUS_3))  # day 1 (22:00Z)
    b7 = booking(5, t2, "expired", utc(2025, 3, 2, 12))  # day 2
    b8 = booking(6, t2, "confirmed", utc(2025, 3, 2, 13))  # day 2
    b9 = booking(2, t1, "confirmed", utc(2025, 2, 20))  # outside; paid inside
    b10 = booking(5, t1, "completed", utc(2025, 2, 21))  # outside; paid inside

    # Payments by paid_at: 750.03 gross in the period.
    last_february = utc(2025, 2, 28, *LAST_MICROSECOND)
    p1 = rows.payment(b2, t1, "150.00", last_february, "partially_refunded", "15.00")  # outside
    p2 = rows.payment(b1, t1, "200.00", utc(2025, 3, 1), "partially_refunded", "50.00")  # day 1
    rows.payment(b6, t1, "120.00", datetime(2025, 3, 2, 1, 5, tzinfo=PLUS_3))  # day 1 (22:05Z)
    at_0105z = datetime(2025, 3, 2, 20, 5, tzinfo=MINUS_5)
    p4 = rows.payment(b5, t1, "90.00", at_0105z, "refunded", "90.00")  # day 3 (01:05Z)
    p5 = rows.payment(b8, t2, "60.03", utc(2025, 3, 2, 13))  # day 2
    rows.payment(b4, t2, "75.00", utc(2025, 3, 4))  # outside
    rows.payment(b7, t2, "40.00", None, "failed")  # never paid
    rows.payment(b9, t1, "80.00", utc(2025, 3, 3, *LAST_MICROSECOND))  # day 3, last instant
    rows.payment(b10, t1, "200.00", utc(2025, 3, 2, 9))  # day 2

    # Refunds by created_at: 140.00 in the period.
    rows.refund(p2, b1, "50.00", utc(2025, 3, 2, *LAST_MICROSECOND), "succeeded")  # day 2
    rows.refund(p4, b5, "90.00", datetime(2025, 3, 2, 19, tzinfo=MINUS_5), "succeeded")  # day 3
    rows.refund(p1, b2, "15.00", utc(2025, 3, 4), "succeeded")  # outside
    rows.refund(p5, b8, "5.00", utc(2025, 3, 2, 14), "failed")  # failed: not money back

    # Payouts by created_at, paid only: 140.00 in the period.
    rows.payout(vid(1), "100.00", utc(2025, 3, 1), "paid")
    rows.payout(vid(4), "40.00", utc(2025, 3, 3, *LAST_MICROSECOND), "paid")
    rows.payout(vid(3), "80.00", utc(2025, 3, 4), "paid")  # outside
    rows.payout(vid(6), "70.00", utc(2025, 2, 28, *LAST_MICROSECOND), "paid")  # outside
    rows.payout(vid(5), "30.00", utc(2025, 3, 2), "failed")  # not paid


def _analytics(api: Api, admin: dict[str, Any], **query: str) -> Any:
    response = api.client.get(ANALYTICS, query_string=query, headers=Api.auth(admin))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.usefixtures("known_books")
def test_every_figure_of_the_period_matches_the_books(api: Api) -> None:
    figures = _analytics(api, api.admin(), **PERIOD)  # this admin is created now: not counted

    assert figures["period"] == {"from": "2025-03-01", "to": "2025-03-03"}
    assert figures["currency"] == "USD"
    assert figures["users"] == {
        "total": 11,  # 7 before the period (2 travellers, 5 vendors) + 4 new
        "new": 4,  # Beach Ltd at 00:00, travellers at 23:59:59.999999 and 23:30Z, an admin
        "by_role": {"traveler": 4, "vendor": 6, "admin": 1},
    }
    assert figures["bookings"] == {
        "total": 6,
        "by_status": {"pending": 1, "confirmed": 2, "cancelled": 1, "completed": 1, "expired": 1},
    }
    assert figures["revenue"] == {
        "gross": "750.03",  # 200 + 120 + 90 + 60.03 + 80 + 200
        "refunds": "140.00",  # 50 + 90
        "net": "610.03",
        "platform_fee": "122.01",  # 610.03 - 488.02
        "vendor_share": "488.02",  # 80 % of 610.03 = 488.024, half-even to the cent
        "paid_out": "140.00",  # 100 + 40
    }
    assert figures["daily"] == [
        {"date": "2025-03-01", "bookings": 2, "gross": "320.00", "refunds": "0.00"},
        {"date": "2025-03-02", "bookings": 2, "gross": "260.03", "refunds": "50.00"},
        {"date": "2025-03-03", "bookings": 2, "gross": "170.00", "refunds": "90.00"},
    ]
    assert figures["top_vendors"] == [
        {"vendor_id": str(vid(1)), "name": "Alpine Co", "gross": "200.00"},  # tie: lower id
        {"vendor_id": str(vid(5)), "name": "Eco Walks", "gross": "200.00"},
        {"vendor_id": str(vid(4)), "name": "Desert Trips", "gross": "120.00"},
        {"vendor_id": str(vid(3)), "name": "City Tours", "gross": "90.00"},
        {"vendor_id": str(vid(2)), "name": "Beach Ltd", "gross": "80.00"},
    ]  # Fjord Cruises (60.03) is sixth


@pytest.mark.usefixtures("known_books")
def test_a_period_of_one_day_holds_only_that_utc_day(api: Api) -> None:
    figures = _analytics(api, api.admin(), **{"from": "2025-03-03", "to": "2025-03-03"})

    assert figures["bookings"]["total"] == 2
    assert figures["revenue"]["gross"] == "170.00"
    assert figures["revenue"]["refunds"] == "90.00"
    assert figures["revenue"]["net"] == "80.00"
    assert figures["revenue"]["paid_out"] == "40.00"
    assert figures["users"]["new"] == 2
    assert [day["date"] for day in figures["daily"]] == ["2025-03-03"]


@pytest.mark.usefixtures("known_books")
def test_a_period_whose_refunds_exceed_its_payments_has_a_negative_net(api: Api) -> None:
    figures = _analytics(api, api.admin(), **{"from": "2025-03-04", "to": "2025-03-04"})

    assert figures["revenue"] == {
        "gross": "75.00",
        "refunds": "15.00",
        "net": "60.00",
        "platform_fee": "12.00",
        "vendor_share": "48.00",
        "paid_out": "80.00",
    }
    quiet = _analytics(api, api.admin(), **{"from": "2025-03-05", "to": "2025-03-06"})
    assert quiet["revenue"]["net"] == "0.00"
    assert quiet["daily"] == [
        {"date": "2025-03-05", "bookings": 0, "gross": "0.00", "refunds": "0.00"},
        {"date": "2025-03-06", "bookings": 0, "gross": "0.00", "refunds": "0.00"},
    ]
    assert quiet["top_vendors"] == []


def test_by_default_the_period_is_the_last_30_days_ending_today(api: Api) -> None:
    today = datetime.now(UTC).date()

    figures = _analytics(api, api.admin())

    assert figures["period"] == {
        "from": (today - timedelta(days=29)).isoformat(),
        "to": today.isoformat(),
    }
    assert len(figures["daily"]) == 30
    assert figures["daily"][-1]["date"] == today.isoformat()
    assert figures["bookings"]["by_status"] == dict.fromkeys(
        ["pending", "confirmed", "cancelled", "completed", "expired"], 0
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2025-03-02", "to": "2025-03-01"}, "to"),
        ({"from": "2022-01-01", "to": "2025-01-02"}, "from"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-02-30"}, "to"),
        ({"to": "0001-01-01"}, "to"),
        ({"from": "9999-12-01", "to": "9999-12-31"}, "to"),
    ],
)
def test_a_bad_period_is_422_naming_the_field(
    api: Api, client: FlaskClient, query: dict[str, str], field: str
) -> None:
    response = client.get(ANALYTICS, query_string=query, headers=Api.auth(api.admin()))

    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_a_period_of_three_years_is_allowed(api: Api) -> None:
    figures = _analytics(api, api.admin(), **{"from": "2022-01-01", "to": "2024-12-31"})

    assert len(figures["daily"]) == 3 * 365 + 1  # 2024 is a leap year
    assert figures["daily"][0]["date"] == "2022-01-01"
    assert figures["daily"][-1]["date"] == "2024-12-31"


@pytest.mark.usefixtures("process_cache")
def test_a_cached_answer_is_replaced_after_a_new_payment(api: Api, app: Flask) -> None:
    admin, vendor = api.admin(), api.register(role="vendor")
    trip = make_trip(api, vendor, price="150.00")
    book_paid(api, api.register(), trip)
    before = _analytics(api, admin)
    assert before["revenue"]["gross"] == "150.00"
    # A row written behind the app's back emits no event: the cached answer is served.
    rows = Rows(app)
    traveller = rows.user("traveler", datetime.now(UTC))
    trip_id, vendor_id = uuid.UUID(trip["id"]), uuid.UUID(vendor["user"]["id"])
    booking = rows.booking(trip_id, vendor_id, traveller, "confirmed", datetime.now(UTC))
    rows.payment(booking, traveller, "10.00", datetime.now(UTC))
    assert _analytics(api, admin) == before

    book_paid(api, api.register(), trip)  # payment.processed invalidates the cache

    after = _analytics(api, admin)
    assert after["revenue"]["gross"] == "310.00"  # 150 + 10 + 150
    assert after["bookings"]["total"] == 3
