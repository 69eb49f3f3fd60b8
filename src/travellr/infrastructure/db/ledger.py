"""The ledger's table: writing transactions, reading balances, and checking the books."""

from __future__ import annotations

import uuid
from decimal import Decimal
from uuid import UUID

from sqlalchemy import Connection, func, or_, select

from travellr.application.ports.reports import VendorBooks
from travellr.domain.bookings import BookingStatus
from travellr.domain.ledger import (
    DEPOSITS,
    LedgerTransaction,
    vendor_earnings,
    vendor_receivable,
)
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.types import Cents, amount_or_zero

_entries = tables.ledger_entries
_PAID = ("succeeded", "partially_refunded", "refunded")


class SqlLedger:
    """Recorded entries are written by the unit of work's commit, with its other new rows."""

    def __init__(self) -> None:
        self.new_rows: list[dict[str, object]] = []

    def record(self, transaction: LedgerTransaction) -> None:
        transaction_id = uuid.uuid4()
        self.new_rows += [
            {
                "transaction_id": transaction_id,
                "kind": transaction.kind.value,
                "reference_id": transaction.reference_id,
                "account": posting.account,
                "amount": posting.amount.amount,
                "currency": posting.amount.currency,
                "created_at": transaction.occurred_at,
            }
            for posting in transaction.postings
        ]


def balance(connection: Connection, account: str) -> Decimal:
    """Debits minus credits on `account`."""
    query = select(func.sum(_entries.c.amount)).where(_entries.c.account == account)
    return amount_or_zero(connection.scalar(query))


def vendor_ledger(connection: Connection, vendor_id: UUID) -> VendorBooks:
    payouts = tables.payouts.c
    paid = select(func.sum(_entries.c.amount)).where(
        _entries.c.kind == "payout",
        _entries.c.account == "cash",
        _entries.c.reference_id.in_(select(payouts.id).where(payouts.vendor_id == vendor_id)),
    )
    return VendorBooks(
        unpaid_takings=-balance(connection, vendor_earnings(vendor_id)),
        owed_back=balance(connection, vendor_receivable(vendor_id)),
        paid_out=-amount_or_zero(connection.scalar(paid)),
    )


def check_books(connection: Connection) -> list[str]:
    """Every way the ledger disagrees with itself or with the bookings; empty when sound."""
    problems = [
        f"transaction {row.transaction_id} is off by {amount_or_zero(row.total)}"
        for row in connection.execute(
            select(_entries.c.transaction_id, func.sum(_entries.c.amount).label("total"))
            .group_by(_entries.c.transaction_id)
            .having(func.sum(_entries.c.amount) != 0)
        )
    ]
    problems.extend(_deposit_problems(connection))
    vendors = select(tables.users.c.id).where(tables.users.c.role == "vendor")
    for (vendor_id,) in connection.execute(vendors):
        problems.extend(_vendor_problems(connection, vendor_id))
    return problems


def _deposit_problems(connection: Connection) -> list[str]:
    """Travellers' deposits are exactly what confirmed bookings paid, net of their refunds."""
    b, p = tables.bookings.c, tables.payments.c
    held = (
        select(func.sum(p.amount - p.amount_refunded, type_=Cents()))
        .select_from(tables.bookings.join(tables.payments, p.booking_id == b.id))
        .where(b.status == BookingStatus.CONFIRMED, p.status.in_(_PAID))
    )
    in_ledger = -balance(connection, DEPOSITS)
    in_books = amount_or_zero(connection.scalar(held))
    if in_ledger == in_books:
        return []
    return [f"ledger customer deposits {in_ledger} but the books say {in_books}"]


def _vendor_problems(connection: Connection, vendor_id: UUID) -> list[str]:
    ledger = vendor_ledger(connection, vendor_id)
    b, p, items = tables.bookings.c, tables.payments.c, tables.payout_items.c
    payouts = tables.payouts.c
    # A pending payout is booked in the ledger only once its transfer has gone through.
    paid_payouts = select(payouts.id).where(payouts.status == "paid")
    unpaid = (
        select(func.sum(p.amount - p.amount_refunded, type_=Cents()))
        .select_from(tables.bookings.join(tables.payments, p.booking_id == b.id))
        .where(
            b.vendor_id == vendor_id,
            b.status == BookingStatus.COMPLETED,
            p.status.in_(_PAID),
            b.id.not_in(select(items.booking_id).where(items.payout_id.in_(paid_payouts))),
        )
    )
    adjustments = tables.vendor_adjustments.c
    owed = select(func.sum(adjustments.amount)).where(
        adjustments.vendor_id == vendor_id,
        or_(adjustments.payout_id.is_(None), adjustments.payout_id.not_in(paid_payouts)),
    )
    paid = select(func.sum(payouts.vendor_amount)).where(
        payouts.vendor_id == vendor_id, payouts.status == "paid"
    )
    expected = {
        "unpaid takings": (ledger.unpaid_takings, amount_or_zero(connection.scalar(unpaid))),
        "owed back": (ledger.owed_back, amount_or_zero(connection.scalar(owed))),
        "paid out": (ledger.paid_out, amount_or_zero(connection.scalar(paid))),
    }
    return [
        f"vendor {vendor_id}: ledger {what} {in_ledger} but the books say {in_books}"
        for what, (in_ledger, in_books) in expected.items()
        if in_ledger != in_books
    ]
