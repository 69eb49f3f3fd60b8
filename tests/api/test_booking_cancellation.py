"""Cancelling bookings: who may, what the policy refunds, and the seats given back."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    book,
    book_paid,
    get_trip,
    later,
    make_trip,
    payment_of,
)
from travellr.domain.ledger import CANCELLATION_FEES, DEPOSITS
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.ledger import balance, check_books


def _cancel(
    client: FlaskClient, booking: dict[str, Any], account: dict[str, Any], **body: Any
) -> Any:
    return client.post(f"{BOOKINGS}/{booking['id']}/cancel", json=body, headers=Api.auth(account))


def _trip_in(api: Api, days: float, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    vendor = api.register(role="vendor")
    trip = make_trip(
        api, vendor, start_at=later(days=days), end_at=later(days=days + 2), **overrides
    )
    return vendor, trip


def test_cancelling_a_pending_booking_refunds_nothing_and_frees_the_seats(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, 30)
    booking = book(api, traveller, trip, seats=3)

    response = _cancel(client, booking, traveller, reason="Changed plans")

    cancelled = response.get_json()
    assert response.status_code == 200
    assert cancelled["status"] == "cancelled"
    assert cancelled["refund_amount"] == "0.00"
    assert cancelled["cancelled_at"].endswith("Z")
    assert get_trip(api, trip)["seats_left"] == 10


@pytest.mark.parametrize(
    ("days_before", "refunded", "payment_status"),
    [
        (8, "300.00", "refunded"),
        (3, "150.00", "partially_refunded"),
        (1, "0.00", "succeeded"),
    ],
)
def test_a_traveller_cancelling_a_paid_booking_gets_what_the_notice_earns(
    api: Api, client: FlaskClient, days_before: int, refunded: str, payment_status: str
) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, days_before)
    booking = book_paid(api, traveller, trip, seats=2)

    response = _cancel(client, booking, traveller)

    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["refund_amount"] == refunded
    payment = payment_of(api, traveller, booking)
    assert payment["amount_refunded"] == refunded
    assert payment["status"] == payment_status
    assert get_trip(api, trip)["seats_left"] == 10


@pytest.mark.parametrize("by", ["vendor", "admin"])
def test_a_vendor_or_admin_cancelling_refunds_everything_whatever_the_notice(
    api: Api, client: FlaskClient, by: str
) -> None:
    traveller = api.register()
    vendor, trip = _trip_in(api, 1)
    booking = book_paid(api, traveller, trip, seats=2)
    actor = vendor if by == "vendor" else api.admin()

    response = _cancel(client, booking, actor)

    assert response.status_code == 200
    assert response.get_json()["refund_amount"] == "300.00"
    payment = payment_of(api, traveller, booking)
    assert payment["status"] == "refunded"
    assert payment["amount_refunded"] == "300.00"
    assert get_trip(api, trip)["seats_left"] == 10


def test_a_vendor_cancelling_a_pending_booking_refunds_nothing(
    api: Api, client: FlaskClient
) -> None:
    vendor, trip = _trip_in(api, 30)
    booking = book(api, api.register(), trip)

    response = _cancel(client, booking, vendor)

    assert response.status_code == 200
    assert response.get_json()["refund_amount"] == "0.00"


def test_cancelling_twice_is_a_conflict_and_refunds_once(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, 8)
    booking = book_paid(api, traveller, trip)
    _cancel(client, booking, traveller)

    again = _cancel(client, booking, traveller)

    assert again.status_code == 409
    assert again.get_json()["code"] == "invalid_transition"
    assert payment_of(api, traveller, booking)["amount_refunded"] == "150.00"
    assert get_trip(api, trip)["seats_left"] == 10


def test_another_traveller_or_vendor_gets_404_when_cancelling(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, 30)
    booking = book(api, traveller, trip)

    by_traveller = _cancel(client, booking, api.register())
    by_vendor = _cancel(client, booking, api.register(role="vendor"))

    assert by_traveller.status_code == by_vendor.status_code == 404
    kept = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(traveller)).get_json()
    assert kept["status"] == "pending"
    assert get_trip(api, trip)["seats_left"] == 9


def test_a_cancelled_booking_cannot_be_paid_or_changed(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, 30)
    booking = book(api, traveller, trip)
    _cancel(client, booking, traveller)

    paid = client.post(
        "/api/v1/payments",
        json={"booking_id": booking["id"], "payment_method": "pm_card_visa"},
        headers=Api.auth(traveller),
    )
    changed = client.put(
        f"{BOOKINGS}/{booking['id']}", json={"seats": 2}, headers=Api.auth(traveller)
    )

    assert paid.status_code == changed.status_code == 409
    assert get_trip(api, trip)["seats_left"] == 10


def test_a_cancellation_refunds_only_what_was_not_refunded_already(
    api: Api, client: FlaskClient
) -> None:
    """The booking's refund_amount is every refund made on it; the event says what this
    cancellation gave back."""
    traveller = api.register()
    vendor, trip = _trip_in(api, 8)
    booking = book_paid(api, traveller, trip, seats=2)
    payment = payment_of(api, traveller, booking)
    partial = client.post(
        f"/api/v1/payments/{payment['id']}/refund",
        json={"amount": "250.00"},
        headers=Api.auth(vendor),
    )

    response = _cancel(client, booking, traveller)

    assert partial.status_code == 201
    assert response.status_code == 200
    assert response.get_json()["refund_amount"] == "300.00"
    after = payment_of(api, traveller, booking)
    assert after["amount_refunded"] == "300.00"
    assert after["status"] == "refunded"
    outbox = tables.outbox.c
    event = select(outbox.payload).where(
        outbox.name == "booking.cancelled", outbox.aggregate_id == UUID(booking["id"])
    )
    with api.app.extensions["travellr"].engine.connect() as connection:
        (payload,) = connection.scalars(event).all()
    assert json.loads(payload)["refund_amount"] == "50.00"  # what went back, not the policy's


def test_the_reason_is_limited_and_unknown_fields_refused(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    _, trip = _trip_in(api, 30)
    booking = book(api, traveller, trip)

    too_long = _cancel(client, booking, traveller, reason="x" * 501)
    unknown = _cancel(client, booking, traveller, refund_amount="150.00")

    assert too_long.status_code == unknown.status_code == 422
    assert "reason" in too_long.get_json()["errors"]
    assert "refund_amount" in unknown.get_json()["errors"]
    kept = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(traveller)).get_json()
    assert kept["status"] == "pending"


def test_a_booking_whose_payment_was_fully_refunded_can_still_be_cancelled(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    vendor, trip = _trip_in(api, 8)
    booking = book_paid(api, traveller, trip)
    payment = payment_of(api, traveller, booking)
    client.post(f"/api/v1/payments/{payment['id']}/refund", json={}, headers=Api.auth(vendor))

    response = _cancel(client, booking, traveller)

    assert response.status_code == 200
    assert response.get_json()["refund_amount"] == "150.00"  # refunded before, all of it
    assert get_trip(api, trip)["seats_left"] == 10


def test_what_a_late_cancellation_keeps_moves_from_the_deposit_to_the_cancellation_fees(
    api: Api, client: FlaskClient
) -> None:
    traveller, admin = api.register(), api.admin()
    _, trip = _trip_in(api, 3)
    booking = book_paid(api, traveller, trip, seats=2)  # 300.00 paid, 150.00 refunded
    engine = api.app.extensions["travellr"].engine

    _cancel(client, booking, traveller)

    with engine.connect() as connection:
        assert balance(connection, DEPOSITS) == Decimal("0.00")
        assert balance(connection, CANCELLATION_FEES) == Decimal("-150.00")
    payment = payment_of(api, traveller, booking)
    refund = client.post(
        f"/api/v1/payments/{payment['id']}/refund",
        json={"amount": "40.00"},
        headers=Api.auth(admin),
    )
    assert refund.status_code == 201
    with engine.connect() as connection:
        assert balance(connection, CANCELLATION_FEES) == Decimal("-110.00")
        assert check_books(connection) == []


def test_open_bookings_follow_their_trip_when_the_vendor_moves_it(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    vendor, trip = _trip_in(api, 30)
    paid, held, cancelled = (
        book_paid(api, traveller, trip),
        book(api, traveller, trip),
        book(api, traveller, trip),
    )
    _cancel(client, cancelled, traveller)
    tomorrow = later(days=1)

    moved = client.put(
        f"/api/v1/trips/{trip['id']}",
        json={"start_at": tomorrow, "end_at": later(days=3)},
        headers=Api.auth(vendor),
    )

    assert moved.status_code == 200, moved.get_json()
    dates = {
        name: client.get(f"{BOOKINGS}/{b['id']}", headers=Api.auth(traveller)).get_json()[
            "trip_date"
        ]
        for name, b in (("paid", paid), ("held", held), ("cancelled", cancelled))
    }
    assert dates["paid"] == dates["held"] == moved.get_json()["start_at"]
    assert dates["cancelled"] == trip["start_at"]
    # The policy counts the notice from the new date: a day before is too late for a refund.
    assert _cancel(client, paid, traveller).get_json()["refund_amount"] == "0.00"
