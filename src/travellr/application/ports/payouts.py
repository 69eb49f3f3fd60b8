"""The payout gateway port: how a vendor's share reaches its bank."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from travellr.domain.errors import RuleViolated
from travellr.domain.money import Money


class NoPayoutAccount(RuleViolated):
    code = "no_payout_account"
    title = "The vendor has no payout account"


class PayoutGateway(Protocol):
    """Moves money to a vendor; idempotent under `idempotency_key`.

    Raises `PaymentGatewayError` when the provider cannot be reached (nothing is recorded then:
    the payout's transaction rolls back) and `NoPayoutAccount` when the vendor cannot be paid.
    """

    name: str

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        """Send `amount` to the vendor; returns the provider's transfer reference."""
        ...
