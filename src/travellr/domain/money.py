"""Money and the platform commission. All arithmetic is Decimal, rounded half-even to the cent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from travellr.domain.errors import CurrencyMismatch

CENT = Decimal("0.01")


def _to_decimal(value: object, what: str) -> Decimal:
    # bool is an int subclass and float is inexact: both are refused rather than guessed at.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what} must be a Decimal or an int, not {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, not {number}")
    return number


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        amount = _to_decimal(self.amount, "amount").quantize(CENT, rounding=ROUND_HALF_EVEN)
        currency = self.currency.upper() if isinstance(self.currency, str) else ""
        if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
            raise ValueError(f"currency must be a 3-letter ISO 4217 code, not {self.currency!r}")
        object.__setattr__(self, "amount", abs(amount) if amount.is_zero() else amount)
        object.__setattr__(self, "currency", currency)

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(Decimal(0), currency)

    @property
    def is_zero(self) -> bool:
        return self.amount.is_zero()

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot combine {self.currency} and {other.currency}",
                currencies=[self.currency, other.currency],
            )

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * _to_decimal(factor, "factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same_currency(other)
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount:f}"


@dataclass(frozen=True)
class CommissionRate:
    """How net revenue is shared between the vendor and the platform."""

    vendor_share: Decimal = Decimal("0.80")

    def __post_init__(self) -> None:
        share = _to_decimal(self.vendor_share, "vendor_share")
        if not 0 <= share <= 1:
            raise ValueError(f"vendor_share must be between 0 and 1, not {share}")

    def split(self, net: Money) -> tuple[Money, Money]:
        """Return (vendor_amount, platform_fee); the fee takes the rounding so both sum to net."""
        vendor_amount = net * self.vendor_share
        return vendor_amount, net - vendor_amount


DEFAULT_COMMISSION = CommissionRate()
# Payouts, balances and analytics are all in this one currency, and so are trips' prices.
SETTLEMENT_CURRENCY = "USD"
