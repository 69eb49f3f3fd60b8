"""The double-entry ledger: every money movement as postings that add up to zero.

Debits are positive, credits negative. The accounts:
- `cash`: money held at the payment provider;
- `customer_deposits`: paid for bookings whose trip has not been completed yet;
- `vendor_earnings:<id>`: completed bookings' takings, net of refunds, not yet paid out
  (split 80/20 only when paid out, so that the split is rounded once per payout);
- `vendor_receivable:<id>`: the vendor's share of refunds made after its payout, recovered
  from its next payout;
- `platform_fees`: the platform's 20 %;
- `cancellation_fees`: what a traveller's late cancellation kept (the policy's unrefunded part).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from travellr.domain.money import CommissionRate, Money

CASH = "cash"
DEPOSITS = "customer_deposits"
PLATFORM_FEES = "platform_fees"
CANCELLATION_FEES = "cancellation_fees"


def vendor_earnings(vendor_id: UUID) -> str:
    return f"vendor_earnings:{vendor_id}"


def vendor_receivable(vendor_id: UUID) -> str:
    return f"vendor_receivable:{vendor_id}"


class EntryKind(StrEnum):
    CHARGE = "charge"
    REFUND = "refund"
    COMPLETION = "completion"
    ADJUSTMENT = "adjustment"
    PAYOUT = "payout"
    FORFEIT = "forfeit"


@dataclass(frozen=True)
class Posting:
    account: str
    amount: Money


@dataclass(frozen=True)
class LedgerTransaction:
    kind: EntryKind
    reference_id: UUID
    occurred_at: datetime
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        # No postings is a valid, empty transaction: everything it moved was zero (completing a
        # booking whose payment was refunded in full).
        currencies = {posting.amount.currency for posting in self.postings}
        if len(currencies) > 1:
            raise ValueError("a ledger transaction is in one currency")
        total = sum((p.amount.amount for p in self.postings), start=Money.zero().amount)
        if total != 0:
            raise ValueError(f"a ledger transaction must balance; this one is off by {total}")


def _moves(
    kind: EntryKind, reference_id: UUID, now: datetime, *pairs: tuple[str, Money]
) -> LedgerTransaction:
    postings = tuple(Posting(account, amount) for account, amount in pairs if not amount.is_zero)
    return LedgerTransaction(kind, reference_id, now, postings)


def _credit(amount: Money) -> Money:
    return Money.zero(amount.currency) - amount


def charge(payment_id: UUID, amount: Money, now: datetime) -> LedgerTransaction:
    """A card payment succeeded: the money is held for the traveller until the trip."""
    return _moves(EntryKind.CHARGE, payment_id, now, (CASH, amount), (DEPOSITS, _credit(amount)))


def completion(booking_id: UUID, vendor_id: UUID, net: Money, now: datetime) -> LedgerTransaction:
    """The trip took place: what the traveller paid, net of refunds, is the vendor's takings."""
    return _moves(
        EntryKind.COMPLETION,
        booking_id,
        now,
        (DEPOSITS, net),
        (vendor_earnings(vendor_id), _credit(net)),
    )


def refund(
    refund_id: UUID,
    amount: Money,
    *,
    vendor_id: UUID,
    source: str,
    clawback: Money | None,
    now: datetime,
) -> LedgerTransaction:
    """Money back to the traveller, from wherever the booking's takings now are.

    `clawback` is the vendor's share of a refund made after the booking was paid out: the
    vendor owes it back (recovered from its next payout) and the platform bears the rest.
    """
    if clawback is not None:
        return _moves(
            EntryKind.ADJUSTMENT,
            refund_id,
            now,
            (vendor_receivable(vendor_id), clawback),
            (PLATFORM_FEES, amount - clawback),
            (CASH, _credit(amount)),
        )
    return _moves(EntryKind.REFUND, refund_id, now, (source, amount), (CASH, _credit(amount)))


def refund_source(*, vendor_id: UUID, completed: bool, cancelled: bool) -> str:
    """Where a booking's paid money sits now: the vendor's takings once the trip took place,
    the cancellation fees once a cancellation kept it, else the traveller's deposit."""
    if completed:
        return vendor_earnings(vendor_id)
    return CANCELLATION_FEES if cancelled else DEPOSITS


def forfeit(booking_id: UUID, kept: Money, now: datetime) -> LedgerTransaction:
    """A cancellation kept part of what was paid: it is no longer the traveller's deposit."""
    return _moves(
        EntryKind.FORFEIT, booking_id, now, (DEPOSITS, kept), (CANCELLATION_FEES, _credit(kept))
    )


def payout(
    payout_id: UUID,
    vendor_id: UUID,
    *,
    net: Money,
    platform_fee: Money,
    recovered: Money,
    vendor_amount: Money,
    now: datetime,
) -> LedgerTransaction:
    """A vendor is paid its share of a period's takings, less what it owed back."""
    return _moves(
        EntryKind.PAYOUT,
        payout_id,
        now,
        (vendor_earnings(vendor_id), net),
        (PLATFORM_FEES, _credit(platform_fee)),
        (vendor_receivable(vendor_id), _credit(recovered)),
        (CASH, _credit(vendor_amount)),
    )


def clawback_for(refund: Money, *, net_paid_out: Money, commission: CommissionRate) -> Money:
    """The vendor's share of a refund on takings it was already paid: its share of the payout's
    net still standing before the refund minus its share after. Each share is rounded as the
    payout rounded its own, so refunding all of a payout's bookings takes back exactly what it
    paid, to the cent."""
    before, _ = commission.split(net_paid_out)
    after, _ = commission.split(net_paid_out - refund)
    return before - after
