"""Webhooks from the payment provider: verified, and each event handled once."""

from __future__ import annotations

from uuid import UUID

from flask import Response, jsonify, request

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import new_uow, services, utcnow
from travellr.api.http.problems import problem
from travellr.application.payments import handle_provider_event
from travellr.application.ports.payments import ChargeResult, ChargeStatus, InvalidWebhook

blp = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks", description="Webhooks")

_OUTCOMES = {
    "payment_intent.succeeded": ChargeStatus.SUCCEEDED,
    "payment_intent.payment_failed": ChargeStatus.DECLINED,
}


@blp.route("/stripe", methods=["POST"])
@blp.doc(operationId="receiveStripeEvent")
@blp.doc(
    summary="Stripe events",
    description="Verifies `Stripe-Signature`; settles payments on `payment_intent.succeeded` "
    "and `payment_intent.payment_failed`. Each event id is processed once.",
    responses={
        "200": {
            "description": "accepted (also when the event was handled before)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"received": {"type": "boolean"}},
                        "required": ["received"],
                    }
                }
            },
        },
        "400": {"description": "invalid_signature: the signature does not match the body"},
        "503": {"description": "webhooks_not_configured: no signing secret is set"},
    },
)
def stripe_webhook() -> Response | tuple[Response, int]:
    parse = services().parse_provider_event
    if parse is None:
        return problem(
            503,
            "Service Unavailable",
            code="webhooks_not_configured",
            detail="STRIPE_WEBHOOK_SECRET is not set.",
        )
    try:
        event = parse(request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidWebhook:
        return problem(
            400,
            "Bad Request",
            code="invalid_signature",
            detail="The Stripe-Signature header does not match the body.",
        )
    outcome = _OUTCOMES.get(event.type)
    handle_provider_event(
        event.id,
        event.type,
        payment_id=_uuid(event.metadata.get("payment_id")) if outcome else None,
        result=ChargeResult(
            outcome or ChargeStatus.PENDING, event.payment_intent_id, event.failure_message
        ),
        uow=new_uow(),
        now=utcnow(),
    )
    return jsonify(received=True), 200


def _uuid(value: str | None) -> UUID | None:
    try:
        return UUID(value) if value else None
    except ValueError:
        return None
