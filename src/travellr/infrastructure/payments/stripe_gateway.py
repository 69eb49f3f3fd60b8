"""The Stripe adapter of the payment gateway port, on the official SDK's PaymentIntents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import stripe

from travellr.application.ports.payments import ChargeResult, ChargeStatus, InvalidPaymentMethod
from travellr.domain.errors import DomainError, NotFound, NotRefundable, PaymentGatewayError
from travellr.domain.money import Money

if TYPE_CHECKING:
    from stripe.params import PaymentIntentCreateParams, RefundCreateParams

# Stripe counts these in whole units and the three-decimal ones in thousandths; the rest in cents.
ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

STATUSES = {
    "succeeded": ChargeStatus.SUCCEEDED,
    "requires_payment_method": ChargeStatus.DECLINED,  # where a failed confirmation leaves it
    "canceled": ChargeStatus.DECLINED,
}


def stripe_client(
    secret_key: str, *, api_base: str | None, timeout_seconds: float
) -> stripe.StripeClient:
    """A client of our own (not the SDK's global) with one attempt per call: callers retry with
    the same idempotency key, so a call never outlives its timeout."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.RequestsClient(timeout=timeout_seconds),
        max_network_retries=0,
    )


class StripePaymentGateway:
    """Charges, refunds and looks up Stripe PaymentIntents; idempotent under Stripe's keys.

    Errors: a declined card is a DECLINED result. A request Stripe refuses is definitive and must
    not be retried: `InvalidPaymentMethod` for a charge, `NotRefundable` for a refund (already
    refunded, more than is left, a failed payment), `NotFound` for the status of an unknown
    intent. Everything else (no connection, timeout, 5xx, rate limit, a bad API key, an
    idempotency clash) is `PaymentGatewayError`: the outcome is unknown, retry with the same key.
    """

    name = "stripe"

    def __init__(
        self, secret_key: str, *, api_base: str | None = None, timeout_seconds: float = 10.0
    ) -> None:
        self._client = stripe_client(secret_key, api_base=api_base, timeout_seconds=timeout_seconds)

    def charge(
        self,
        *,
        amount: Money,
        payment_method: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        params: PaymentIntentCreateParams = {
            "amount": minor_units(amount),
            "currency": amount.currency.lower(),
            "payment_method": payment_method,
            # Cards only: nothing redirects, so no return_url. The SDK's API version (2026-09-30
            # onwards) refuses the older `payment_method_types` with a 400.
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            "metadata": metadata,
        }
        with translate_error(InvalidPaymentMethod, field="payment_method"):
            try:
                intent = self._client.v1.payment_intents.create(
                    params=params, options={"idempotency_key": idempotency_key}
                )
            except stripe.CardError as error:
                return _declined(error)
        return ChargeResult(_status(intent.status), intent.id, _failure_message(intent))

    def refund(self, *, provider_ref: str, amount: Money, idempotency_key: str) -> str:
        """Refund part or all of a charge; returns the Stripe refund id."""
        params: RefundCreateParams = {"payment_intent": provider_ref, "amount": minor_units(amount)}
        with translate_error(NotRefundable, provider_ref=provider_ref):
            refund = self._client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        return refund.id

    def status(self, provider_ref: str) -> ChargeStatus:
        with translate_error(NotFound, provider_ref=provider_ref):
            intent = self._client.v1.payment_intents.retrieve(provider_ref)
        return _status(intent.status)


def minor_units(amount: Money) -> int:
    """The amount in the currency's smallest unit, as Stripe counts it; refuses to round."""
    currency = amount.currency
    exponent = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    units = amount.amount.scaleb(exponent)
    if units != units.to_integral_value():
        raise ValueError(f"{amount} {amount.currency} is not a whole number of minor units")
    return int(units)


@contextmanager
def translate_error(refused: type[DomainError], **extra: object) -> Iterator[None]:
    """Turn SDK errors into the port's: `refused` for a request Stripe rejects, else unknown."""
    try:
        yield
    except stripe.InvalidRequestError as error:
        raise refused(_message(error), **extra) from error
    except stripe.StripeError as error:
        # The provider's own message (it may name the API key) stays in the logged cause.
        raise PaymentGatewayError(f"stripe failed: {type(error).__name__}") from error


def _declined(error: stripe.CardError) -> ChargeResult:
    intent = getattr(error.error, "payment_intent", None) if error.error else None
    reference = getattr(intent, "id", None)
    return ChargeResult(ChargeStatus.DECLINED, reference, _message(error))


def _status(stripe_status: str) -> ChargeStatus:
    # processing, requires_action, requires_capture, requires_confirmation: not settled yet
    return STATUSES.get(stripe_status, ChargeStatus.PENDING)


def _failure_message(intent: stripe.PaymentIntent) -> str | None:
    return intent.last_payment_error.message if intent.last_payment_error else None


def _message(error: stripe.StripeError) -> str:
    return error.user_message or str(error) or type(error).__name__
