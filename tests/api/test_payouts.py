"""Vendor payouts through HTTP: the 80/20 split, the minimum, the period, and the books.

Trips are set far in the future (2031) so that the API accepts them; the scheduler's
`complete_booking` is then called directly with a `now` after every trip date.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from flask import Flask
from sqlalchemy import select

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    PAYMENTS,
    book,
    book_paid,
    make_trip,
    payment_of,
    walk,
)
from travellr.application.payouts import complete_booking
from travellr.application.ports.payouts import NoPayoutAccount
from travellr.domain.errors import PaymentGatewayError
from travellr.domain.money import Money
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.ledger import check_books

VENDORS = "/api/v1/vendors"
MARCH = {"period_start": "2031-03-01", "period_end": "2031-03-31"}
APRIL = {"period_start": "2031-04-01", "period_end": "2031-04-30"}
MID_MARCH = "2031-03-15T10:00:00Z"
MID_APRIL = "2031-04-15T10:00:00Z"
AFTER_EVERY_TRIP = datetime(2031, 9, 1, tzinfo=UTC)
PAYOUT_FIELDS = {
    "id",
    "vendor_id",
    "period_start",
    "period_end",
    "gross_amount",
    "refunded_amount",
    "adjustment_amount",
    "vendor_amount",
    "platform_fee",
    "booking_count",
    "currency",
    "status",
    "provider_ref",
    "created_at",
}

Account = dict[str, Any]


def _paid_booking(
    api: Api, vendor: Account, price: str, start_at: str = MID_MARCH, seats: int = 1
) -> Account:
    trip = make_trip(api, vendor, price=price, start_at=start_at, end_at=None)
    return book_paid(api, api.register(), trip, seats=seats)


def _complete(app: Flask, booking: Account) -> None:
    wired = app.extensions["travellr"]
    complete_booking(
        UUID(booking["id"]),
        uow=wired.new_uow(),
        now=AFTER_EVERY_TRIP,
    )


def _completed_booking(
    api: Api, vendor: Account, price: str, start_at: str = MID_MARCH, seats: int = 1
) -> Account:
    booking = _paid_booking(api, vendor, price, start_at, seats)
    _complete(api.app, booking)
    return booking


def _pay_out(
    api: Api,
    vendor: Account,
    admin: Account,
    period: dict[str, str] = MARCH,
    headers: dict[str, str] | None = None,
) -> Any:
    return api.client.post(
        f"{VENDORS}/{vendor['user']['id']}/payout",
        json=period,
        headers={**Api.auth(admin), **(headers or {})},
    )


def _balance(api: Api, vendor: Account, viewer: Account) -> dict[str, str]:
    response = api.client.get(f"{VENDORS}/{vendor['user']['id']}/balance", headers=Api.auth(viewer))
    assert response.status_code == 200, response.get_json()
    body = dict(response.get_json())
    assert body.pop("currency") == "USD"
    return body


def _payouts(api: Api, vendor: Account, viewer: Account) -> list[Any]:
    response = api.client.get(f"{VENDORS}/{vendor['user']['id']}/payouts", headers=Api.auth(viewer))
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def _refund(api: Api, booking: Account, admin: Account, amount: str) -> None:
    payment = payment_of(api, admin, booking)
    response = api.client.post(
        f"{PAYMENTS}/{payment['id']}/refund", json={"amount": amount}, headers=Api.auth(admin)
    )
    assert response.status_code == 201, response.get_json()


def _paid_out_bookings(app: Flask, payout_id: str) -> set[str]:
    items = tables.payout_items.c
    with app.extensions["travellr"].engine.connect() as connection:
        rows = connection.execute(
            select(items.booking_id).where(items.payout_id == UUID(payout_id))
        )
        return {str(booking_id) for (booking_id,) in rows}


def _assert_books_balance(app: Flask) -> None:
    with app.extensions["travellr"].engine.connect() as connection:
        assert check_books(connection) == []


def _balance_of(earned: str, paid_out: str, available: str) -> dict[str, str]:
    return {"earned": earned, "paid_out": paid_out, "available": available}


def test_a_vendor_share_of_exactly_the_minimum_is_paid(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    booking = _completed_booking(api, vendor, "62.50")

    response = _pay_out(api, vendor, admin)

    assert response.status_code == 201, response.get_json()
    payout = response.get_json()
    assert set(payout) == PAYOUT_FIELDS
    assert payout["vendor_id"] == vendor["user"]["id"]
    assert (payout["period_start"], payout["period_end"]) == ("2031-03-01", "2031-03-31")
    assert payout["gross_amount"] == "62.50"
    assert payout["refunded_amount"] == "0.00"
    assert payout["adjustment_amount"] == "0.00"
    assert payout["vendor_amount"] == "50.00"
    assert payout["platform_fee"] == "12.50"
    assert payout["booking_count"] == 1
    assert payout["currency"] == "USD"
    assert payout["status"] == "paid"
    assert payout["provider_ref"].startswith("tr_mock_")
    assert _paid_out_bookings(api.app, payout["id"]) == {booking["id"]}
    _assert_books_balance(api.app)


def test_a_vendor_share_one_cent_under_the_minimum_is_refused_with_that_share(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "62.49")  # 80 % is 49.992

    response = _pay_out(api, vendor, admin)

    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "below_minimum"
    assert problem["amount"] == "49.99"
    assert _payouts(api, vendor, admin) == []
    assert _balance(api, vendor, admin) == _balance_of("49.99", "0.00", "49.99")
    _assert_books_balance(api.app)


def test_a_payout_refused_under_the_minimum_leaves_its_bookings_for_the_next(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    first = _completed_booking(api, vendor, "62.49")
    assert _pay_out(api, vendor, admin).get_json()["code"] == "below_minimum"
    second = _completed_booking(api, vendor, "10.00")

    response = _pay_out(api, vendor, admin)

    assert response.status_code == 201, response.get_json()
    payout = response.get_json()
    assert (payout["gross_amount"], payout["booking_count"]) == ("72.49", 2)
    assert _paid_out_bookings(api.app, payout["id"]) == {first["id"], second["id"]}
    _assert_books_balance(api.app)


def test_a_net_of_100_01_splits_into_80_01_and_20_00_that_add_up_to_it(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "100.01")

    payout = _pay_out(api, vendor, admin).get_json()

    assert (payout["vendor_amount"], payout["platform_fee"]) == ("80.01", "20.00")
    assert Decimal(payout["vendor_amount"]) + Decimal(payout["platform_fee"]) == Decimal("100.01")
    _assert_books_balance(api.app)


def test_refunds_made_before_the_payout_are_netted_out_of_it(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    refunded_before_the_trip = _paid_booking(api, vendor, "100.00")
    _refund(api, refunded_before_the_trip, admin, "10.00")
    _complete(api.app, refunded_before_the_trip)
    refunded_after_the_trip = _completed_booking(api, vendor, "100.00")
    _refund(api, refunded_after_the_trip, admin, "40.00")
    _assert_books_balance(api.app)

    payout = _pay_out(api, vendor, admin).get_json()

    assert payout["gross_amount"] == "200.00"
    assert payout["refunded_amount"] == "50.00"
    assert (payout["vendor_amount"], payout["platform_fee"]) == ("120.00", "30.00")
    assert payout["booking_count"] == 2
    _assert_books_balance(api.app)


def test_only_completed_bookings_with_a_trip_date_inside_the_period_are_paid(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    first_instant = _completed_booking(api, vendor, "100.00", "2031-03-01T00:00:00Z")
    last_second = _completed_booking(api, vendor, "200.00", "2031-03-31T23:59:59Z")
    day_before = _completed_booking(api, vendor, "400.00", "2031-02-28T12:00:00Z")
    day_after = _completed_booking(api, vendor, "800.00", "2031-04-01T12:00:00Z")
    _paid_booking(api, vendor, "1600.00")  # confirmed: the trip has not taken place
    cancelled = _paid_booking(api, vendor, "3200.00")
    cancel = api.client.post(
        f"{BOOKINGS}/{cancelled['id']}/cancel", json={}, headers=Api.auth(admin)
    )
    assert cancel.status_code == 200

    march = _pay_out(api, vendor, admin).get_json()

    assert (march["gross_amount"], march["booking_count"]) == ("300.00", 2)
    assert _paid_out_bookings(api.app, march["id"]) == {first_instant["id"], last_second["id"]}
    february = _pay_out(
        api, vendor, admin, {"period_start": "2031-02-01", "period_end": "2031-02-28"}
    )
    assert _paid_out_bookings(api.app, february.get_json()["id"]) == {day_before["id"]}
    april = _pay_out(api, vendor, admin, APRIL).get_json()
    assert _paid_out_bookings(api.app, april["id"]) == {day_after["id"]}
    _assert_books_balance(api.app)


def test_bookings_already_paid_out_are_left_out_of_an_overlapping_period(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    march_booking = _completed_booking(api, vendor, "100.00")
    march = _pay_out(api, vendor, admin).get_json()
    april_booking = _completed_booking(api, vendor, "300.00", MID_APRIL)

    spring = _pay_out(
        api, vendor, admin, {"period_start": "2031-03-01", "period_end": "2031-04-30"}
    )

    assert spring.status_code == 201, spring.get_json()
    assert (spring.get_json()["gross_amount"], spring.get_json()["booking_count"]) == ("300.00", 1)
    assert _paid_out_bookings(api.app, march["id"]) == {march_booking["id"]}
    assert _paid_out_bookings(api.app, spring.get_json()["id"]) == {april_booking["id"]}
    _assert_books_balance(api.app)


def test_a_period_without_completed_paid_bookings_is_nothing_to_pay(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _paid_booking(api, vendor, "500.00")  # confirmed, not completed
    trip = make_trip(api, vendor, price="500.00", start_at=MID_MARCH, end_at=None)
    book(api, api.register(), trip)  # pending, never paid

    response = _pay_out(api, vendor, admin)

    assert response.status_code == 422
    assert response.get_json()["code"] == "nothing_to_pay"
    assert _payouts(api, vendor, admin) == []


def test_a_period_ending_on_the_last_day_of_the_calendar_is_422_naming_period_end(
    api: Api,
) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    period = {"period_start": "2031-03-01", "period_end": "9999-12-31"}

    response = _pay_out(api, vendor, admin, period)

    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["period_end"]


def test_paying_the_same_period_again_is_nothing_to_pay(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "100.00")
    assert _pay_out(api, vendor, admin).status_code == 201

    again = _pay_out(api, vendor, admin)

    assert again.status_code == 422
    assert again.get_json()["code"] == "nothing_to_pay"
    assert len(_payouts(api, vendor, admin)) == 1
    _assert_books_balance(api.app)


def test_a_refund_after_the_payout_is_recovered_from_the_next_payout(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    march_booking = _completed_booking(api, vendor, "200.00")
    march = _pay_out(api, vendor, admin).get_json()
    assert march["vendor_amount"] == "160.00"

    _refund(api, march_booking, admin, "50.00")  # the vendor had 80 % of it: 40.00

    assert _balance(api, vendor, admin) == _balance_of("120.00", "160.00", "-40.00")
    _assert_books_balance(api.app)
    _completed_booking(api, vendor, "150.00", MID_APRIL)
    april = _pay_out(api, vendor, admin, APRIL).get_json()
    assert april["gross_amount"] == "150.00"
    assert april["adjustment_amount"] == "40.00"
    assert april["vendor_amount"] == "80.00"  # 120.00 less the 40.00 it owed
    assert april["platform_fee"] == "30.00"
    assert _balance(api, vendor, admin) == _balance_of("240.00", "240.00", "0.00")
    _assert_books_balance(api.app)
    _completed_booking(api, vendor, "100.00", "2031-05-15T10:00:00Z")
    may = _pay_out(api, vendor, admin, {"period_start": "2031-05-01", "period_end": "2031-05-31"})
    assert may.get_json()["adjustment_amount"] == "0.00"  # recovered once, not twice


def test_a_vendor_may_not_pay_itself_out(api: Api) -> None:
    vendor = api.register(role="vendor")
    _completed_booking(api, vendor, "100.00")

    response = _pay_out(api, vendor, vendor)

    assert response.status_code == 403
    assert _payouts(api, vendor, vendor) == []


@pytest.mark.parametrize("path", ["payout", "payouts", "balance"])
def test_another_vendors_payouts_are_invisible_to_a_vendor_and_a_traveller(
    api: Api, path: str
) -> None:
    vendor, other_vendor, traveller = (
        api.register(role="vendor"),
        api.register(role="vendor"),
        api.register(),
    )
    _completed_booking(api, vendor, "100.00")
    url = f"{VENDORS}/{vendor['user']['id']}/{path}"

    for outsider in (other_vendor, traveller):
        if path == "payout":
            response = api.client.post(url, json=MARCH, headers=Api.auth(outsider))
        else:
            response = api.client.get(url, headers=Api.auth(outsider))
        assert response.status_code == 404, (outsider["user"]["role"], response.get_json())
    assert _payouts(api, vendor, api.admin()) == []


@pytest.mark.parametrize("path", ["payout", "payouts", "balance"])
def test_an_id_that_is_not_a_vendor_is_404_even_for_an_admin(api: Api, path: str) -> None:
    admin, traveller = api.admin(), api.register()

    for not_a_vendor in (traveller["user"]["id"], admin["user"]["id"], str(uuid.uuid4())):
        url = f"{VENDORS}/{not_a_vendor}/{path}"
        if path == "payout":
            response = api.client.post(url, json=MARCH, headers=Api.auth(admin))
        else:
            response = api.client.get(url, headers=Api.auth(admin))
        assert response.status_code == 404, not_a_vendor


def test_payouts_are_listed_newest_first_page_by_page(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    made = []
    for month in ("03", "04", "05"):
        _completed_booking(api, vendor, "100.00", f"2031-{month}-10T10:00:00Z")
        period = {"period_start": f"2031-{month}-01", "period_end": f"2031-{month}-28"}
        response = _pay_out(api, vendor, admin, period)
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json()["id"])

    for viewer in (vendor, admin):
        url = f"{VENDORS}/{vendor['user']['id']}/payouts"
        items, pages = walk(api.client, url, Api.auth(viewer), limit=1)
        assert [item["id"] for item in items] == made[::-1]
        assert pages == 3
    assert (
        api.client.get(url, query_string={"limit": 0}, headers=Api.auth(admin)).status_code == 422
    )


def test_the_balance_follows_completion_and_payout(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    assert _balance(api, vendor, vendor) == _balance_of("0.00", "0.00", "0.00")
    booking = _paid_booking(api, vendor, "250.00")
    assert _balance(api, vendor, vendor) == _balance_of("0.00", "0.00", "0.00")  # not earned yet
    _assert_books_balance(api.app)

    _complete(api.app, booking)
    assert _balance(api, vendor, vendor) == _balance_of("200.00", "0.00", "200.00")
    _assert_books_balance(api.app)

    assert _pay_out(api, vendor, admin).status_code == 201
    assert _balance(api, vendor, vendor) == _balance_of("200.00", "200.00", "0.00")
    assert _balance(api, vendor, admin) == _balance_of("200.00", "200.00", "0.00")
    _assert_books_balance(api.app)


def test_completing_a_booking_refunded_in_full_earns_the_vendor_nothing(api: Api) -> None:
    """Completion moves nothing: an empty ledger transaction, not a crash."""
    vendor, admin = api.register(role="vendor"), api.admin()
    booking = _paid_booking(api, vendor, "100.00")
    _refund(api, booking, admin, "100.00")

    _complete(api.app, booking)

    reloaded = api.client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(admin))
    assert reloaded.get_json()["status"] == "completed"
    assert _balance(api, vendor, admin) == _balance_of("0.00", "0.00", "0.00")
    _assert_books_balance(api.app)


def test_an_idempotency_key_replays_the_same_payout(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "100.00")
    key = {"Idempotency-Key": f"payout-{uuid.uuid4()}"}

    first = _pay_out(api, vendor, admin, headers=key)
    replay = _pay_out(api, vendor, admin, headers=key)

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    assert [p["id"] for p in _payouts(api, vendor, admin)] == [first.get_json()["id"]]
    assert _pay_out(api, vendor, admin).status_code == 422  # without the key it runs again


class FailingPayoutGateway:
    """The provider is down: every transfer fails before any money moves."""

    name = "failing"

    def __init__(self) -> None:
        self.attempts = 0

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        self.attempts += 1
        raise PaymentGatewayError("the payout provider is unavailable")


def test_a_failing_payout_gateway_is_502_and_the_retry_pays_the_same_payout(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    bookings = {_completed_booking(api, vendor, "100.00")["id"] for _ in range(2)}
    wired = api.app.extensions["travellr"]
    working, failing = wired.payouts, FailingPayoutGateway()
    wired.payouts = failing

    response = _pay_out(api, vendor, admin)

    assert response.status_code == 502
    assert response.get_json()["code"] == "payment_gateway_error"
    assert failing.attempts == 1
    (pending,) = _payouts(api, vendor, admin)
    assert pending["status"] == "pending"
    assert _balance(api, vendor, admin) == _balance_of("160.00", "0.00", "160.00")
    _assert_books_balance(api.app)
    wired.payouts = working
    retried = _pay_out(api, vendor, admin)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["id"] == pending["id"]
    assert retried.get_json()["status"] == "paid"
    assert _paid_out_bookings(api.app, retried.get_json()["id"]) == bookings
    _assert_books_balance(api.app)


class NoAccountPayoutGateway:
    """The provider refuses the transfer: the vendor has no payout account."""

    name = "no-account"

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        raise NoPayoutAccount("the vendor has no payout account")


@pytest.mark.parametrize("transfer", ["paid", "refused"])
def test_a_refund_waits_while_its_booking_is_being_paid_out(api: Api, transfer: str) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    booking = _completed_booking(api, vendor, "200.00")
    wired = api.app.extensions["travellr"]
    working = wired.payouts
    wired.payouts = FailingPayoutGateway()
    assert _pay_out(api, vendor, admin).status_code == 502  # the payout stays pending
    payment = payment_of(api, admin, booking)

    refused = api.client.post(
        f"{PAYMENTS}/{payment['id']}/refund", json={"amount": "50.00"}, headers=Api.auth(admin)
    )

    assert refused.status_code == 409
    assert refused.get_json()["code"] == "payout_in_progress"
    wired.payouts = working if transfer == "paid" else NoAccountPayoutGateway()
    settled = _pay_out(api, vendor, admin)
    wired.payouts = working
    _refund(api, booking, admin, "50.00")
    if transfer == "paid":  # the vendor was paid 160.00 and owes back its 40.00 of the refund
        assert settled.status_code == 201
        assert _balance(api, vendor, admin) == _balance_of("120.00", "160.00", "-40.00")
    else:  # the booking was released: its takings are 150.00 now, paid once
        assert settled.get_json()["code"] == "no_payout_account"
        again = _pay_out(api, vendor, admin).get_json()
        assert (again["vendor_amount"], again["adjustment_amount"]) == ("120.00", "0.00")
    _assert_books_balance(api.app)


def test_a_refund_refused_while_its_payout_was_in_flight_is_not_replayed(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    booking = _completed_booking(api, vendor, "200.00")
    wired = api.app.extensions["travellr"]
    working = wired.payouts
    wired.payouts = FailingPayoutGateway()
    assert _pay_out(api, vendor, admin).status_code == 502
    payment = payment_of(api, admin, booking)
    headers = {**Api.auth(admin), "Idempotency-Key": "refund-50"}

    def refund() -> Any:
        body = {"amount": "50.00"}
        return api.client.post(f"{PAYMENTS}/{payment['id']}/refund", json=body, headers=headers)

    assert refund().status_code == 409
    wired.payouts = working
    assert _pay_out(api, vendor, admin).status_code == 201
    retried, replayed = refund(), refund()

    assert retried.status_code == 201, retried.get_json()
    assert "Idempotent-Replayed" not in retried.headers
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.get_json() == retried.get_json()


@pytest.mark.parametrize(
    ("price", "count", "paid"),
    [("33.33", 3, "79.99"), ("10.06", 7, "56.34"), ("33.33", 25, "666.60")],
)
def test_refunding_a_whole_payout_takes_back_exactly_what_it_paid(
    api: Api, price: str, count: int, paid: str
) -> None:
    """The vendor's share of each refund is worked out on what is left of the payout's net,
    rounded as the payout rounded: per booking, 3 x 26.66 would miss 79.99 by a cent."""
    vendor, admin = api.register(role="vendor"), api.admin()
    bookings = [_completed_booking(api, vendor, price) for _ in range(count)]
    assert _pay_out(api, vendor, admin).get_json()["vendor_amount"] == paid

    for booking in bookings:
        _refund(api, booking, admin, price)

    assert _balance(api, vendor, admin) == _balance_of("0.00", paid, f"-{paid}")
    _assert_books_balance(api.app)


class TimingOutAfterSending:
    """The provider makes the transfer, but the answer is lost: the first call times out."""

    name = "timing-out"

    def __init__(self) -> None:
        self.keys: list[str] = []

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        self.keys.append(idempotency_key)
        if len(self.keys) == 1:
            raise PaymentGatewayError("timed out waiting for the payout provider")
        return f"tr_{len(self.keys)}"


def test_a_retry_after_a_timed_out_transfer_reuses_its_idempotency_key(api: Api) -> None:
    vendor, admin = api.register(role="vendor"), api.admin()
    _completed_booking(api, vendor, "100.00")
    gateway = TimingOutAfterSending()
    api.app.extensions["travellr"].payouts = gateway

    assert _pay_out(api, vendor, admin).status_code == 502
    assert _pay_out(api, vendor, admin).status_code == 201

    assert len(gateway.keys) == 2
    assert gateway.keys[0] == gateway.keys[1], "two transfers, two keys: the vendor is paid twice"
