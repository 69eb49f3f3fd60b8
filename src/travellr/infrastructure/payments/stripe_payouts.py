"""The Stripe adapter of the payout gateway port: a Connect transfer to the vendor's account."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

import stripe

from travellr.application.ports.payouts import NoPayoutAccount
from travellr.domain.errors import PaymentGatewayError
from travellr.domain.money import Money
from travellr.infrastructure.payments.stripe_gateway import (
    minor_units,
    stripe_client,
    translate_error,
)

if TYPE_CHECKING:
    from stripe.params import TransferCreateParams


class StripePayoutGateway:
    """Sends a vendor's share to its connected Stripe account (`acct_...`) as a Transfer.

    Errors: no account, or an account Stripe refuses as the destination (unknown, closed, not
    allowed to receive transfers), is `NoPayoutAccount`: definitive, the vendor must fix it.
    Anything else (no connection, timeout, 5xx, rate limit, a bad API key, the platform's
    balance too low, an idempotency clash) is `PaymentGatewayError`: retry with the same key.
    """

    name = "stripe"

    def __init__(
        self, secret_key: str, *, api_base: str | None = None, timeout_seconds: float = 10.0
    ) -> None:
        self._client = stripe_client(secret_key, api_base=api_base, timeout_seconds=timeout_seconds)

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        """Send `amount` to the vendor's connected account; returns the Stripe transfer id."""
        if account is None:
            raise NoPayoutAccount("the vendor has no payout account", vendor_id=str(vendor_id))
        params: TransferCreateParams = {
            "amount": minor_units(amount),
            "currency": amount.currency.lower(),
            "destination": account,
            "metadata": {"vendor_id": str(vendor_id), "idempotency_key": idempotency_key},
        }
        with translate_error(NoPayoutAccount, vendor_id=str(vendor_id)):
            try:
                transfer = self._client.v1.transfers.create(
                    params=params, options={"idempotency_key": idempotency_key}
                )
            except stripe.InvalidRequestError as error:
                if error.param != "destination":  # e.g. balance_insufficient: not the vendor's
                    raise PaymentGatewayError(
                        f"stripe refused the transfer: {error.code or type(error).__name__}"
                    ) from error
                raise
        return transfer.id
