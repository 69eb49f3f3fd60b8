"""Refunding payments: who may, how much, and amounts that always add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import Api
from tests.api.factories import PAYMENTS, book, book_paid, make_trip, payment_of, payments_of

REFUND_FIELDS = {"id", "payment_id", "amount", "currency", "status", "reason", "created_at"}


def _paid(api: Api, seats: int = 2) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A vendor, a traveller and their succeeded payment of seats x 150.00."""
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book_paid(api, traveller, make_trip(api, vendor), seats=seats)
    return vendor, traveller, payment_of(api, traveller, booking)


def _refund(
    client: FlaskClient, payment: dict[str, Any], account: dict[str, Any], **body: Any
) -> Any:
    return client.post(f"{PAYMENTS}/{payment['id']}/refund", json=body, headers=Api.auth(account))


def _reload(client: FlaskClient, payment: dict[str, Any], account: dict[str, Any]) -> Any:
    return client.get(f"{PAYMENTS}/{payment['id']}", headers=Api.auth(account)).get_json()


def test_the_vendor_refunds_part_of_a_payment(api: Api, client: FlaskClient) -> None:
    vendor, traveller, payment = _paid(api)

    response = _refund(client, payment, vendor, amount="120.50", reason="Rain")

    refund = response.get_json()
    assert response.status_code == 201
    assert set(refund) == REFUND_FIELDS
    assert refund["payment_id"] == payment["id"]
    assert refund["amount"] == "120.50"
    assert refund["currency"] == "USD"
    assert refund["status"] == "succeeded"
    assert refund["reason"] == "Rain"
    after = _reload(client, payment, traveller)
    assert after["amount_refunded"] == "120.50"
    assert after["status"] == "partially_refunded"


def test_an_admin_refund_without_amount_refunds_all_that_is_left(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller, payment = _paid(api)
    _refund(client, payment, vendor, amount=100)

    response = _refund(client, payment, api.admin())

    assert response.status_code == 201
    assert response.get_json()["amount"] == "200.00"
    after = _reload(client, payment, traveller)
    assert after["amount_refunded"] == "300.00"
    assert after["status"] == "refunded"


def test_a_refund_over_what_is_left_is_422(api: Api, client: FlaskClient) -> None:
    vendor, traveller, payment = _paid(api)
    _refund(client, payment, vendor, amount="250.00")

    response = _refund(client, payment, vendor, amount="50.01")

    assert response.status_code == 422
    assert response.get_json()["code"] == "refund_exceeds_remaining"
    assert _reload(client, payment, traveller)["amount_refunded"] == "250.00"


def test_a_refunded_payment_is_not_refundable(api: Api, client: FlaskClient) -> None:
    vendor, traveller, payment = _paid(api)
    _refund(client, payment, vendor)

    response = _refund(client, payment, vendor, amount="1.00")

    assert response.status_code == 409
    assert response.get_json()["code"] == "not_refundable"
    assert _reload(client, payment, traveller)["amount_refunded"] == "300.00"


def test_a_failed_payment_is_not_refundable(api: Api, client: FlaskClient) -> None:
    vendor, traveller = api.register(role="vendor"), api.register()
    booking = book(api, traveller, make_trip(api, vendor))
    client.post(
        PAYMENTS,
        json={"booking_id": booking["id"], "payment_method": "pm_card_chargeDeclined"},
        headers=Api.auth(traveller),
    )
    (failed,) = payments_of(api, traveller, booking)

    response = _refund(client, failed, vendor)

    assert response.status_code == 409
    assert response.get_json()["code"] == "not_refundable"


def test_a_traveller_cannot_refund_their_payment(api: Api, client: FlaskClient) -> None:
    _, traveller, payment = _paid(api)

    response = _refund(client, payment, traveller)

    assert response.status_code == 403
    assert _reload(client, payment, traveller)["amount_refunded"] == "0.00"


def test_another_vendor_does_not_see_the_payment(api: Api, client: FlaskClient) -> None:
    _, traveller, payment = _paid(api)

    response = _refund(client, payment, api.register(role="vendor"))

    assert response.status_code == 404
    assert _reload(client, payment, traveller)["amount_refunded"] == "0.00"


@pytest.mark.parametrize("amount", [0, "0.00", 0.001, "0.001", -5, "ten", True])
def test_a_refund_amount_must_be_positive_with_two_places(
    api: Api, client: FlaskClient, amount: object
) -> None:
    vendor, traveller, payment = _paid(api)

    response = _refund(client, payment, vendor, amount=amount)

    assert response.status_code == 422
    assert "amount" in response.get_json()["errors"]
    assert _reload(client, payment, traveller)["status"] == "succeeded"


def test_refunds_always_add_up_to_the_amount_refunded(api: Api, client: FlaskClient) -> None:
    vendor, traveller, payment = _paid(api, seats=3)
    amounts = ["0.01", "99.99", "100", 50.5]

    refunds = [_refund(client, payment, vendor, amount=a).get_json()["amount"] for a in amounts]
    rest = _refund(client, payment, vendor).get_json()["amount"]

    total = sum(Decimal(a) for a in [*refunds, rest])
    assert refunds == ["0.01", "99.99", "100.00", "50.50"]
    assert rest == "199.50"
    assert total == Decimal("450.00")
    assert _reload(client, payment, traveller)["amount_refunded"] == "450.00"


def test_a_refund_body_refuses_unknown_fields(api: Api, client: FlaskClient) -> None:
    vendor, _, payment = _paid(api)

    response = _refund(client, payment, vendor, amount="1.00", currency="EUR")

    assert response.status_code == 422
    assert "currency" in response.get_json()["errors"]


def test_a_payments_refunds_are_listed_newest_first_adding_up_to_what_was_refunded(
    api: Api, client: FlaskClient
) -> None:
    vendor, traveller, payment = _paid(api)
    first = _refund(client, payment, vendor, amount="120.50", reason="Rain").get_json()
    second = _refund(client, payment, api.admin(), amount="9.50").get_json()
    url = f"{PAYMENTS}/{payment['id']}/refunds"

    for viewer in (traveller, vendor):
        listed = client.get(url, headers=Api.auth(viewer))
        assert listed.status_code == 200
        assert listed.get_json() == {"items": [second, first], "next_cursor": None}
    one_page = client.get(url, query_string={"limit": 1}, headers=Api.auth(traveller)).get_json()
    assert one_page["items"] == [second]
    after = _reload(client, payment, traveller)
    assert Decimal(first["amount"]) + Decimal(second["amount"]) == Decimal(after["amount_refunded"])
    booking = client.get(
        f"/api/v1/bookings/{payment['booking_id']}", headers=Api.auth(traveller)
    ).get_json()
    assert booking["refund_amount"] == after["amount_refunded"] == "130.00"


def test_only_who_sees_the_payment_lists_its_refunds(api: Api, client: FlaskClient) -> None:
    vendor, _, payment = _paid(api)
    _refund(client, payment, vendor, amount="10.00")
    url = f"{PAYMENTS}/{payment['id']}/refunds"

    assert client.get(url, headers=Api.auth(api.register())).status_code == 404
    assert client.get(url, headers=Api.auth(api.register(role="vendor"))).status_code == 404
    assert client.get(url).status_code == 401
    assert len(client.get(url, headers=Api.auth(api.admin())).get_json()["items"]) == 1
