"""Stripe webhooks: verify the `Stripe-Signature` header and read what the booking flow needs."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import stripe

from travellr.application.ports.payments import InvalidWebhook, ProviderEvent


def parse_webhook(
    payload: bytes, signature_header: str | None, secret: str, *, tolerance: int = 300
) -> ProviderEvent:
    """Verify the signature (and that it is at most `tolerance` seconds old), then parse."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature_header, secret, tolerance)
        return _event(json.loads(payload))
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhook(str(error)) from error
    except (ValueError, LookupError, TypeError, AttributeError) as error:
        # Signed but not a Stripe event: undecodable, not JSON, or missing the fields we read.
        raise InvalidWebhook(f"malformed event: {type(error).__name__}: {error}") from error


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header value for `payload`, as Stripe would send it."""
    signed_at = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{signed_at}.".encode() + payload, hashlib.sha256)
    return f"t={signed_at},v1={signature.hexdigest()}"


def _event(event: dict[str, Any]) -> ProviderEvent:
    kind = str(event["type"])
    subject = event["data"]["object"]
    if not kind.startswith("payment_intent."):
        return ProviderEvent(str(event["id"]), kind, None, {}, None)
    error = subject.get("last_payment_error") or {}
    return ProviderEvent(
        id=str(event["id"]),
        type=kind,
        payment_intent_id=str(subject["id"]),
        metadata={str(key): str(value) for key, value in (subject.get("metadata") or {}).items()},
        failure_message=error.get("message"),
    )
