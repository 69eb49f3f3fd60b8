"""Paying pending bookings by card, and who sees which payments."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import (
    BOOKINGS,
    DECLINED,
    PAYMENTS,
    VISA,
    book,
    book_paid,
    get_trip,
    make_trip,
    payments_of,
)
from tests.api.test_scheduled_jobs import Unreachable

PAYMENT_FIELDS = {
    "id", "booking_id", "amount", "currency", "status", "amount_refunded", "provider",
    "provider_ref", "failure_message", "created_at", "updated_at",
}  # fmt: skip


def _pay(client: FlaskClient, booking: dict[str, Any], account: dict[str, Any], method: str) -> Any:
    body = {"booking_id": booking["id"], "payment_method": method}
    return client.post(PAYMENTS, json=body, headers=Api.auth(account))


def _status(client: FlaskClient, booking: dict[str, Any], account: dict[str, Any]) -> str:
    response = client.get(f"{BOOKINGS}/{booking['id']}", headers=Api.auth(account))
    return str(response.get_json()["status"])


def test_paying_a_pending_booking_confirms_it(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")), seats=3)

    response = _pay(client, booking, traveller, VISA)

    payment = response.get_json()
    assert response.status_code == 201
    assert set(payment) == PAYMENT_FIELDS
    assert payment["status"] == "succeeded"
    assert payment["amount"] == "450.00"
    assert payment["amount_refunded"] == "0.00"
    assert payment["currency"] == "USD"
    assert payment["booking_id"] == booking["id"]
    assert payment["provider"] == "mock"
    assert payment["provider_ref"]
    assert payment["failure_message"] is None
    assert _status(client, booking, traveller) == "confirmed"


def test_a_declined_card_is_402_and_the_payment_is_kept_as_failed(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")))

    response = _pay(client, booking, traveller, DECLINED)

    assert response.status_code == 402
    assert response.get_json()["code"] == "payment_declined"
    assert response.get_json()["booking_id"] == booking["id"]
    (payment,) = payments_of(api, traveller, booking)
    assert payment["status"] == "failed"
    assert payment["failure_message"]
    assert _status(client, booking, traveller) == "pending"
    assert _pay(client, booking, traveller, VISA).status_code == 201
    assert _status(client, booking, traveller) == "confirmed"


def test_a_confirmed_booking_cannot_be_paid_again(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book_paid(api, traveller, make_trip(api, api.register(role="vendor")))

    response = _pay(client, booking, traveller, VISA)

    assert response.status_code == 409
    assert [p["status"] for p in payments_of(api, traveller, booking)] == ["succeeded"]


def test_another_traveller_paying_gets_404(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")))

    response = _pay(client, booking, api.register(), VISA)
    missing = _pay(client, {"id": str(uuid.uuid4())}, traveller, VISA)

    assert response.status_code == missing.status_code == 404
    assert _status(client, booking, traveller) == "pending"


@pytest.mark.parametrize("who", ["vendor", "admin"])
def test_only_the_bookings_traveller_pays(api: Api, client: FlaskClient, who: str) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book(api, traveller, make_trip(api, vendor))

    response = _pay(client, booking, vendor if who == "vendor" else api.admin(), VISA)

    assert response.status_code == 403
    assert _status(client, booking, traveller) == "pending"
    assert payments_of(api, traveller, booking) == []


@pytest.mark.parametrize(
    "body", [{}, {"booking_id": "x", "payment_method": VISA}, {"payment_method": VISA}]
)
def test_a_malformed_payment_is_422(api: Api, client: FlaskClient, body: dict[str, str]) -> None:
    response = client.post(PAYMENTS, json=body, headers=Api.auth(api.register()))

    assert response.status_code == 422
    assert response.get_json()["errors"]


def test_paying_needs_a_token(client: FlaskClient) -> None:
    body = {"booking_id": str(uuid.uuid4()), "payment_method": VISA}

    assert client.post(PAYMENTS, json=body).status_code == 401
    assert client.get(PAYMENTS).status_code == 401


def test_payments_are_listed_for_the_traveller_the_vendor_and_admins(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller, other = api.register(role="vendor"), api.register(), api.register()
    mine = book_paid(api, traveller, make_trip(api, vendor))
    elsewhere = book_paid(api, other, make_trip(api, api.register(role="vendor")))

    def ids(account: dict[str, Any], **query: str) -> set[str]:
        response = client.get(PAYMENTS, query_string=query, headers=Api.auth(account))
        assert response.status_code == 200
        return {p["booking_id"] for p in response.get_json()["items"]}

    assert ids(traveller) == {mine["id"]}
    assert ids(vendor) == {mine["id"]}
    assert ids(other) == {elsewhere["id"]}
    admin = api.admin()
    assert ids(admin) == {mine["id"], elsewhere["id"]}
    assert ids(admin, booking_id=elsewhere["id"]) == {elsewhere["id"]}
    assert ids(admin, status="failed") == set()
    assert ids(admin, status="succeeded") == {mine["id"], elsewhere["id"]}
    assert ids(traveller, booking_id=elsewhere["id"]) == set()


def test_the_payment_list_filters_by_status(api: Api, client: FlaskClient) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")))
    _pay(client, booking, traveller, DECLINED)
    _pay(client, booking, traveller, VISA)

    failed = client.get(PAYMENTS, query_string={"status": "failed"}, headers=Api.auth(traveller))
    bogus = client.get(PAYMENTS, query_string={"status": "paid"}, headers=Api.auth(traveller))

    assert [p["status"] for p in failed.get_json()["items"]] == ["failed"]
    assert bogus.status_code == 422


def test_one_payment_is_seen_only_by_those_who_see_its_booking(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    (payment,) = payments_of(api, traveller, book_paid(api, traveller, make_trip(api, vendor)))
    url = f"{PAYMENTS}/{payment['id']}"

    for account in (traveller, vendor, api.admin()):
        response = client.get(url, headers=Api.auth(account))
        assert response.status_code == 200
        assert response.get_json() == payment
    for stranger in (api.register(), api.register(role="vendor")):
        assert client.get(url, headers=Api.auth(stranger)).status_code == 404
    assert client.get(f"{PAYMENTS}/{uuid.uuid4()}", headers=Api.auth(traveller)).status_code == 404
    assert client.get(f"{PAYMENTS}/nope", headers=Api.auth(traveller)).status_code == 404


def test_a_paid_booking_keeps_its_seats(api: Api) -> None:
    trip = make_trip(api, api.register(role="vendor"), capacity=2)

    book_paid(api, api.register(), trip, seats=2)

    assert get_trip(api, trip)["seats_left"] == 0


def test_a_retry_after_a_lost_answer_reuses_the_charge_and_another_card_waits(
    api: Api, client: FlaskClient
) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register(role="vendor")))
    services = api.app.extensions["travellr"]
    provider, services.gateway = services.gateway, Unreachable()
    assert _pay(client, booking, traveller, VISA).status_code == 502  # the answer never came
    services.gateway = provider

    other_card = _pay(client, booking, traveller, "pm_card_mastercard")
    same_card = _pay(client, booking, traveller, VISA)

    assert other_card.status_code == 409
    assert other_card.get_json()["code"] == "payment_in_progress"
    assert same_card.status_code == 201, same_card.get_json()
    assert [p["status"] for p in payments_of(api, traveller, booking)] == ["succeeded"]
