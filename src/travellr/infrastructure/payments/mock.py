"""The default gateway: behaves like Stripe's test mode for its test payment methods."""

from __future__ import annotations

import threading
import uuid
from uuid import UUID

from travellr.application.ports.payments import ChargeResult, ChargeStatus, InvalidPaymentMethod
from travellr.domain.money import Money

SUCCEEDING = frozenset({"pm_card_visa", "pm_card_mastercard", "pm_card_amex"})
DECLINING = {
    "pm_card_chargeDeclined": "Your card was declined.",
    "pm_card_chargeDeclinedInsufficientFunds": "Your card has insufficient funds.",
    "pm_card_chargeDeclinedExpiredCard": "Your card has expired.",
}


class MockPaymentGateway:
    """In memory and idempotent per key, like the real thing; charges nobody."""

    name = "mock"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._charges: dict[str, ChargeResult] = {}
        self._refunds: dict[str, str] = {}

    def charge(
        self,
        *,
        amount: Money,
        payment_method: str,
        idempotency_key: str,
        metadata: dict[str, str],
    ) -> ChargeResult:
        with self._lock:
            if idempotency_key not in self._charges:
                self._charges[idempotency_key] = _outcome(payment_method)
            return self._charges[idempotency_key]

    def refund(self, *, provider_ref: str, amount: Money, idempotency_key: str) -> str:
        with self._lock:
            return self._refunds.setdefault(idempotency_key, f"re_mock_{uuid.uuid4().hex[:24]}")

    def status(self, provider_ref: str) -> ChargeStatus:
        with self._lock:
            for result in self._charges.values():
                if result.provider_ref == provider_ref:
                    return result.status
        return ChargeStatus.PENDING


def _outcome(payment_method: str) -> ChargeResult:
    reference = f"pi_mock_{uuid.uuid4().hex[:24]}"
    if payment_method in SUCCEEDING:
        return ChargeResult(ChargeStatus.SUCCEEDED, reference)
    if payment_method in DECLINING:
        return ChargeResult(ChargeStatus.DECLINED, reference, DECLINING[payment_method])
    raise InvalidPaymentMethod(
        f"unknown payment method {payment_method!r}; try pm_card_visa", field="payment_method"
    )


class MockPayoutGateway:
    """Records transfers in memory, once per idempotency key; pays nobody."""

    name = "mock"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.transfers: dict[str, tuple[UUID, Money, str]] = {}

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Money, idempotency_key: str
    ) -> str:
        with self._lock:
            if idempotency_key not in self.transfers:
                reference = f"tr_mock_{uuid.uuid4().hex[:24]}"
                self.transfers[idempotency_key] = (vendor_id, amount, reference)
            return self.transfers[idempotency_key][2]
