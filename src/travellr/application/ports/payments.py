"""The payment gateway port: what the use cases need from a card processor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from travellr.domain.errors import RuleViolated
from travellr.domain.money import Money


class InvalidPaymentMethod(RuleViolated):
    code = "invalid_payment_method"
    title = "The payment method is not usable"


class ChargeStatus(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    PENDING = "pending"


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    provider_ref: str | None
    failure_message: str | None = None


class PaymentGateway(Protocol):
    """A card processor. Every call is idempotent under its `idempotency_key`.

    `charge` and `refund` raise `PaymentGatewayError` when the provider cannot be reached or
    times out (the outcome is then unknown: retry with the same key), and `InvalidPaymentMethod`
    for a payment method the provider does not know; `refund` raises `NotRefundable` when the
    provider refuses the refund. A declined card is a result, not an error.
    """

    name: str

    def charge(
        self,
        *,
        amount: Money,
        payment_method: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult: ...

    def refund(self, *, provider_ref: str, amount: Money, idempotency_key: str) -> str:
        """Refund part or all of a charge; returns the provider's refund reference."""
        ...

    def status(self, provider_ref: str) -> ChargeStatus: ...


class InvalidWebhook(Exception):
    """The request is not a genuine, recent Stripe event (bad or missing signature, bad body)."""


@dataclass(frozen=True)
class ProviderEvent:
    """An event the payment provider sent us (a webhook), as the booking flow reads it."""

    id: str
    type: str
    payment_intent_id: str | None
    metadata: dict[str, str]
    failure_message: str | None
