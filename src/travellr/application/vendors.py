"""What a vendor has earned and been paid, seen by the vendor itself and by admins."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from travellr.application.ports.queries import ListQueries, Page, PageRequest
from travellr.application.ports.reports import Reports
from travellr.domain.actors import Actor
from travellr.domain.errors import NotFound
from travellr.domain.money import SETTLEMENT_CURRENCY, CommissionRate, Money


@dataclass(frozen=True)
class Balance:
    earned: Decimal
    paid_out: Decimal
    available: Decimal
    currency: str = SETTLEMENT_CURRENCY


def vendor_balance(
    vendor_id: UUID, *, actor: Actor, reports: Reports, commission: CommissionRate
) -> Balance:
    """Paid out so far, and the share of the unpaid takings less what the vendor owes back."""
    _ensure_visible_vendor(vendor_id, actor, reports)
    books = reports.vendor_books(vendor_id)
    share, _ = commission.split(Money(books.unpaid_takings, SETTLEMENT_CURRENCY))
    available = share.amount - books.owed_back
    return Balance(earned=books.paid_out + available, paid_out=books.paid_out, available=available)


def vendor_payouts(
    vendor_id: UUID, page: PageRequest, *, actor: Actor, reports: Reports, queries: ListQueries
) -> Page:
    """A vendor's payouts, newest first."""
    _ensure_visible_vendor(vendor_id, actor, reports)
    return queries.payouts(vendor_id, page)


def vendor_payout(
    vendor_id: UUID, payout_id: UUID, *, actor: Actor, reports: Reports, queries: ListQueries
) -> dict[str, Any]:
    """One of a vendor's payouts."""
    _ensure_visible_vendor(vendor_id, actor, reports)
    payout = queries.payout(vendor_id, payout_id)
    if payout is None:
        raise NotFound("no such payout")
    return payout


def _ensure_visible_vendor(vendor_id: UUID, actor: Actor, reports: Reports) -> None:
    """Admins see every vendor, a vendor only itself; anyone else gets 404."""
    if not (actor.is_admin or actor.user_id == vendor_id) or not reports.is_vendor(vendor_id):
        raise NotFound("no such vendor")
