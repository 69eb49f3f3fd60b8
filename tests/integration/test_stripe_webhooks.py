"""Stripe webhook verification: only a recent event signed with our secret is believed."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from travellr.application.ports.payments import InvalidWebhook, ProviderEvent
from travellr.infrastructure.payments.stripe_webhooks import parse_webhook, sign_payload

SECRET = "whsec_test_secret"


def event_payload(event_type: str = "payment_intent.payment_failed") -> bytes:
    return json.dumps(
        {
            "id": "evt_1",
            "object": "event",
            "type": event_type,
            "data": {
                "object": {
                    "id": "pi_1",
                    "object": "payment_intent",
                    "metadata": {"payment_id": "p-1"},
                    "last_payment_error": {
                        "code": "card_declined",
                        "message": "Your card was declined.",
                    },
                }
            },
        }
    ).encode()


def test_a_signed_payment_intent_event_is_parsed() -> None:
    payload = event_payload()

    event = parse_webhook(payload, sign_payload(payload, SECRET), SECRET)

    assert event == ProviderEvent(
        id="evt_1",
        type="payment_intent.payment_failed",
        payment_intent_id="pi_1",
        metadata={"payment_id": "p-1"},
        failure_message="Your card was declined.",
    )


def test_another_kind_of_event_carries_no_payment_intent() -> None:
    payload = event_payload("charge.dispute.created")

    event = parse_webhook(payload, sign_payload(payload, SECRET), SECRET)

    assert event == ProviderEvent("evt_1", "charge.dispute.created", None, {}, None)


def test_the_signature_is_the_one_stripe_computes() -> None:
    payload = event_payload()

    header = sign_payload(payload, SECRET, timestamp=1700000000)

    assert header == stripe.WebhookSignature.generate_signature_header(
        payload.decode(), SECRET, timestamp=1700000000
    )


def test_a_signature_made_with_another_secret_is_refused() -> None:
    payload = event_payload()

    with pytest.raises(InvalidWebhook):
        parse_webhook(payload, sign_payload(payload, "whsec_forged"), SECRET)


def test_a_tampered_payload_is_refused() -> None:
    header = sign_payload(event_payload(), SECRET)
    tampered = event_payload().replace(b"pi_1", b"pi_2")

    with pytest.raises(InvalidWebhook):
        parse_webhook(tampered, header, SECRET)


@pytest.mark.parametrize("header", [None, "", "garbage", "t=notanumber,v1=abc"])
def test_a_missing_or_unreadable_signature_is_refused(header: str | None) -> None:
    with pytest.raises(InvalidWebhook):
        parse_webhook(event_payload(), header, SECRET)


def test_a_replayed_old_event_is_refused() -> None:
    payload = event_payload()
    header = sign_payload(payload, SECRET, timestamp=int(time.time()) - 301)

    with pytest.raises(InvalidWebhook, match="tolerance"):
        parse_webhook(payload, header, SECRET, tolerance=300)


@pytest.mark.parametrize("payload", [b"not json", b"\xff\xfe", b"[]", b'{"id": "evt_1"}'])
def test_a_signed_body_that_is_not_an_event_is_refused(payload: bytes) -> None:
    with pytest.raises(InvalidWebhook):
        parse_webhook(payload, sign_payload(payload, SECRET), SECRET)
