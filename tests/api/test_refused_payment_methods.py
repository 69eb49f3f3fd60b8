"""A payment method the gateway refuses is a 402 that leaves the booking pending with its hold;
a booking's refund_amount is every refund made on it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    PAYMENTS,
    VISA,
    book,
    book_paid,
    get_trip,
    later,
    make_trip,
    payment_of,
    payments_of,
)

REFUSED = ["pm_card_chargeDeclined", "pm_card_chargeDeclinedExpiredCard", "pm_card_unknown"]


def _booking(client: FlaskClient, booking_id: str, account: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"{BOOKINGS}/{booking_id}", headers=Api.auth(account))
    assert response.status_code == 200
    return dict(response.get_json())


@pytest.mark.parametrize("method", REFUSED)
def test_booking_with_a_refused_payment_method_is_402_and_keeps_the_hold(
    api: Api, client: FlaskClient, method: str
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))

    response = client.post(
        BOOKINGS,
        json={"trip_id": trip["id"], "seats": 2, "payment_method": method},
        headers=Api.auth(traveller),
    )

    assert response.status_code == 402
    problem = response.get_json()
    assert problem["code"] == "payment_declined"
    held = _booking(client, problem["booking_id"], traveller)
    assert held["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 8
    assert [p["status"] for p in payments_of(api, traveller, held)] == ["failed"]
    paid = client.post(
        PAYMENTS,
        json={"booking_id": held["id"], "payment_method": VISA},
        headers=Api.auth(traveller),
    )
    assert paid.status_code == 201
    assert _booking(client, held["id"], traveller)["status"] == "confirmed"


@pytest.mark.parametrize("method", REFUSED)
def test_paying_with_a_refused_payment_method_is_402_and_keeps_the_booking_pending(
    api: Api, client: FlaskClient, method: str
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    booking = book(api, traveller, trip)

    response = client.post(
        PAYMENTS,
        json={"booking_id": booking["id"], "payment_method": method},
        headers=Api.auth(traveller),
    )

    assert response.status_code == 402
    assert response.get_json()["code"] == "payment_declined"
    assert response.get_json()["booking_id"] == booking["id"]
    assert _booking(client, booking["id"], traveller)["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 9
    assert [p["status"] for p in payments_of(api, traveller, booking)] == ["failed"]


def _refund(
    client: FlaskClient, payment: dict[str, Any], account: dict[str, Any], **body: Any
) -> Any:
    response = client.post(
        f"{PAYMENTS}/{payment['id']}/refund", json=body, headers=Api.auth(account)
    )
    assert response.status_code == 201, response.get_json()
    return response


@pytest.mark.parametrize("canceller", ["vendor", "admin"])
def test_refund_amount_is_every_refund_whoever_made_them(
    api: Api, client: FlaskClient, canceller: str
) -> None:
    vendor, traveller, admin = api.register(role="vendor"), api.register(), api.admin()
    booking = book_paid(api, traveller, make_trip(api, vendor, price="100.00"))
    payment = payment_of(api, traveller, booking)

    _refund(client, payment, vendor, amount="30.00")
    after_one = _booking(client, booking["id"], traveller)
    _refund(client, payment, admin, amount="10.00")
    after_two = _booking(client, booking["id"], traveller)
    cancelled = client.post(
        f"{BOOKINGS}/{booking['id']}/cancel",
        json={},
        headers=Api.auth(vendor if canceller == "vendor" else admin),
    )

    assert (after_one["status"], after_one["refund_amount"]) == ("confirmed", "30.00")
    assert after_two["refund_amount"] == "40.00"
    assert cancelled.status_code == 200
    assert cancelled.get_json()["refund_amount"] == "100.00"
    assert _booking(client, booking["id"], traveller)["refund_amount"] == "100.00"
    assert payment_of(api, traveller, booking)["amount_refunded"] == "100.00"
    listed = client.get(BOOKINGS, headers=Api.auth(traveller)).get_json()["items"]
    assert [b["refund_amount"] for b in listed] == ["100.00"]


def test_a_refund_after_a_partial_cancellation_adds_to_refund_amount(
    api: Api, client: FlaskClient
) -> None:
    """A traveller cancelling 3 days before gets half back; the vendor then refunds the rest."""
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book_paid(api, traveller, make_trip(api, vendor, start_at=later(days=3)))
    payment = payment_of(api, traveller, booking)

    cancelled = client.post(
        f"{BOOKINGS}/{booking['id']}/cancel", json={}, headers=Api.auth(traveller)
    )
    _refund(client, payment, vendor)

    assert cancelled.get_json()["refund_amount"] == "75.00"
    assert _booking(client, booking["id"], traveller)["refund_amount"] == "150.00"
    assert payment_of(api, traveller, booking)["amount_refunded"] == "150.00"
