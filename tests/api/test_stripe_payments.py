"""The booking flow with PAYMENT_PROVIDER=stripe, over HTTP against localstripe.

localstripe declines `pm_card_chargeCustomerFail` (not `pm_card_chargeDeclined`), ignores
idempotency keys and does not cap refunds, so the refund limits below are our own books'.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.domain.payments import Payment
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.uow import SqlUnitOfWork
from travellr.infrastructure.payments.stripe_webhooks import sign_payload

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def app(database_url: str, localstripe: str) -> Iterator[Flask]:
    settings = make_settings(
        database_url,
        payment_provider="stripe",
        stripe_secret_key="sk_test_travellr",
        stripe_api_base=localstripe,
        stripe_webhook_secret=WEBHOOK_SECRET,
    )
    app = create_app(settings)
    yield app
    app.extensions["travellr"].engine.dispose()


def _trip(api: Api, vendor: dict[str, Any], price: str = "100.00") -> str:
    body = {
        "title": "Fjords",
        "destination": "Bergen",
        "price": price,
        "capacity": 10,
        "start_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
    }
    response = api.client.post("/api/v1/trips", json=body, headers=api.auth(vendor))
    assert response.status_code == 201
    return str(response.get_json()["id"])


def _book(api: Api, traveller: dict[str, Any], trip_id: str, **extra: Any) -> Any:
    return api.client.post(
        "/api/v1/bookings", json={"trip_id": trip_id, **extra}, headers=api.auth(traveller)
    )


def test_paying_at_once_charges_a_stripe_payment_intent(api: Api) -> None:
    trip_id = _trip(api, api.register("vendor"))
    traveller = api.register()
    booking = _book(api, traveller, trip_id, seats=2, payment_method="pm_card_visa")
    assert booking.status_code == 201
    assert booking.get_json()["status"] == "confirmed"
    payments = api.client.get(
        f"/api/v1/payments?booking_id={booking.get_json()['id']}", headers=api.auth(traveller)
    ).get_json()["items"]
    assert [(p["provider"], p["status"], p["amount"]) for p in payments] == [
        ("stripe", "succeeded", "200.00")
    ]
    assert payments[0]["provider_ref"].startswith("pi_")


def test_a_card_stripe_declines_leaves_the_booking_pending(api: Api) -> None:
    trip_id = _trip(api, api.register("vendor"))
    traveller = api.register()
    response = _book(api, traveller, trip_id, payment_method="pm_card_chargeCustomerFail")
    assert response.status_code == 402
    problem = response.get_json()
    assert problem["code"] == "payment_declined"
    booking = api.client.get(
        f"/api/v1/bookings/{problem['booking_id']}", headers=api.auth(traveller)
    )
    assert booking.get_json()["status"] == "pending"


@pytest.mark.parametrize(
    "method", ["pm_card_unknown", "pm_card_chargeDeclinedExpiredCard", "pm_card_chargeCustomerFail"]
)
def test_any_payment_method_stripe_refuses_is_402_and_keeps_the_hold(api: Api, method: str) -> None:
    """Unknown to Stripe (a 400 from its API) or declined (a card error): the same answer."""
    trip_id = _trip(api, api.register("vendor"))
    traveller = api.register()

    at_once = _book(api, traveller, trip_id, seats=2, payment_method=method)
    held = _book(api, traveller, trip_id).get_json()
    later = api.client.post(
        "/api/v1/payments",
        json={"booking_id": held["id"], "payment_method": method},
        headers=api.auth(traveller),
    )

    assert (at_once.status_code, later.status_code) == (402, 402)
    assert at_once.get_json()["code"] == later.get_json()["code"] == "payment_declined"
    for booking_id in (at_once.get_json()["booking_id"], held["id"]):
        booking = api.client.get(f"/api/v1/bookings/{booking_id}", headers=api.auth(traveller))
        assert booking.get_json()["status"] == "pending"
        assert _payment_of(api, traveller, booking_id)["status"] == "failed"
    trip = api.client.get(f"/api/v1/trips/{trip_id}").get_json()
    assert trip["seats_left"] == 7


def test_our_books_cap_refunds_that_localstripe_would_accept(api: Api) -> None:
    vendor = api.register("vendor")
    traveller = api.register()
    booking = _book(api, traveller, _trip(api, vendor), payment_method="pm_card_visa")
    payment_id = _payment_of(api, traveller, booking.get_json()["id"])["id"]
    refund_url = f"/api/v1/payments/{payment_id}/refund"
    first = api.client.post(refund_url, json={"amount": "60.00"}, headers=api.auth(vendor))
    assert first.status_code == 201
    over = api.client.post(refund_url, json={"amount": "40.01"}, headers=api.auth(vendor))
    assert over.status_code == 422
    assert over.get_json()["code"] == "refund_exceeds_remaining"
    rest = api.client.post(refund_url, json={}, headers=api.auth(vendor))
    assert rest.get_json()["amount"] == "40.00"
    payment = api.client.get(f"/api/v1/payments/{payment_id}", headers=api.auth(vendor))
    assert payment.get_json()["status"] == "refunded"
    assert payment.get_json()["amount_refunded"] == "100.00"


def _payment_of(
    api: Api, account: dict[str, Any], booking_id: str, status: str = ""
) -> dict[str, Any]:
    query = f"booking_id={booking_id}" + (f"&status={status}" if status else "")
    response = api.client.get(f"/api/v1/payments?{query}", headers=api.auth(account))
    items: list[dict[str, Any]] = response.get_json()["items"]
    assert len(items) == 1
    return items[0]


def _pending_payment(app: Flask, api: Api) -> tuple[dict[str, Any], str, Payment]:
    """A booking whose charge is in flight: what a gateway timeout leaves behind."""
    traveller = api.register()
    booking_id = _book(api, traveller, _trip(api, api.register("vendor"))).get_json()["id"]
    with SqlUnitOfWork(app.extensions["travellr"].session_factory) as uow:
        booking = uow.bookings.get(uuid.UUID(booking_id))
        assert booking is not None
        payment = Payment.start(
            booking=booking, provider="stripe", payment_method="pm_card_visa", now=datetime.now(UTC)
        )
        uow.payments.add(payment)
        uow.commit()
    return traveller, booking_id, payment


def _deliver(client: FlaskClient, event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> Any:
    body = json.dumps(event).encode()
    return client.post(
        "/api/v1/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign_payload(body, secret)},
    )


def _intent_event(kind: str, payment: Payment, **intent: Any) -> dict[str, Any]:
    obj = {
        "id": "pi_webhook_1",
        "object": "payment_intent",
        "metadata": {"payment_id": str(payment.id)},
        **intent,
    }
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "object": "event",
        "type": kind,
        "data": {"object": obj},
    }


def test_a_signed_succeeded_webhook_confirms_the_booking_once(app: Flask, api: Api) -> None:
    traveller, booking_id, payment = _pending_payment(app, api)
    event = _intent_event("payment_intent.succeeded", payment)
    assert _deliver(api.client, event).status_code == 200
    assert _deliver(api.client, event).status_code == 200
    booking = api.client.get(f"/api/v1/bookings/{booking_id}", headers=api.auth(traveller))
    assert booking.get_json()["status"] == "confirmed"
    assert _payment_of(api, traveller, booking_id)["provider_ref"] == "pi_webhook_1"
    outbox = tables.outbox.c
    with app.extensions["travellr"].engine.connect() as connection:
        processed = connection.scalar(
            select(func.count()).where(
                outbox.name == "payment.processed", outbox.aggregate_id == payment.id
            )
        )
    assert processed == 1


def test_a_failed_payment_webhook_fails_the_payment(app: Flask, api: Api) -> None:
    traveller, booking_id, payment = _pending_payment(app, api)
    event = _intent_event(
        "payment_intent.payment_failed",
        payment,
        last_payment_error={"message": "Your card was declined."},
    )
    assert _deliver(api.client, event).status_code == 200
    failed = _payment_of(api, traveller, booking_id, "failed")
    assert failed["failure_message"] == "Your card was declined."
    booking = api.client.get(f"/api/v1/bookings/{booking_id}", headers=api.auth(traveller))
    assert booking.get_json()["status"] == "pending"


def test_a_forged_webhook_is_refused_and_changes_nothing(app: Flask, api: Api) -> None:
    traveller, booking_id, payment = _pending_payment(app, api)
    event = _intent_event("payment_intent.succeeded", payment)
    response = _deliver(api.client, event, secret="whsec_forged")
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_signature"
    booking = api.client.get(f"/api/v1/bookings/{booking_id}", headers=api.auth(traveller))
    assert booking.get_json()["status"] == "pending"
