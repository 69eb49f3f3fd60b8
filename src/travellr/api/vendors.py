"""Vendors' payouts and balances (admins, and each vendor for itself)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import auth_required, current_actor, new_uow, services, utcnow
from travellr.api.http.fields import MoneyAmount, StrictSchema, UtcDateTime, has_a_next_day
from travellr.api.http.idempotency import idempotent
from travellr.api.http.pagination import ListArgs, list_of, page_body, page_request
from travellr.application.payouts import SETTLEMENT_CURRENCY, pay_vendor
from travellr.domain.actors import Role
from travellr.domain.errors import NotFound, RuleViolated
from travellr.domain.money import DEFAULT_COMMISSION, Money
from travellr.domain.payouts import Payout
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.ledger import vendor_ledger

blp = Blueprint("vendors", __name__, url_prefix="/api/v1/vendors", description="Vendor payouts")


class PayoutOut(StrictSchema):
    id = fields.UUID()
    vendor_id = fields.UUID()
    period_start = fields.Date()
    period_end = fields.Date()
    gross_amount = MoneyAmount()
    refunded_amount = MoneyAmount()
    adjustment_amount = MoneyAmount(
        metadata={"description": "refunds made after earlier payouts, recovered here"}
    )
    vendor_amount = MoneyAmount()
    platform_fee = MoneyAmount()
    booking_count = fields.Integer()
    currency = fields.String()
    status = fields.String()
    provider_ref = fields.String(allow_none=True)
    created_at = UtcDateTime()


class PayoutIn(StrictSchema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, validate=has_a_next_day)


class BalanceOut(StrictSchema):
    earned = MoneyAmount(allow_zero=True)
    paid_out = MoneyAmount()
    available = MoneyAmount()
    currency = fields.String()


@blp.route("/<uuid:vendor_id>/payout", methods=["POST"])
@auth_required
@blp.arguments(PayoutIn())
@idempotent
@blp.response(201, PayoutOut)
@blp.alt_response(422, description="below_minimum (with `amount`) or nothing_to_pay")
def pay_out(body: dict[str, Any], vendor_id: UUID) -> Payout:
    """Pay a vendor its share of the period's completed bookings (admins)."""
    if body["period_end"] < body["period_start"]:
        raise RuleViolated(
            "period_end is before period_start",
            errors={"period_end": ["Must not be before period_start."]},
        )
    _visible_vendor(vendor_id)
    return pay_vendor(
        vendor_id,
        body["period_start"],
        body["period_end"],
        actor=current_actor(),
        new_uow=new_uow,
        gateway=services().payouts,
        commission=DEFAULT_COMMISSION,
        now=utcnow(),
    )


@blp.route("/<uuid:vendor_id>/payouts", methods=["GET"])
@auth_required
@blp.arguments(ListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(PayoutOut))
def list_payouts(args: dict[str, Any], vendor_id: UUID) -> dict[str, Any]:
    """A vendor's payouts, newest first."""
    _visible_vendor(vendor_id)
    return page_body(services().queries.payouts(vendor_id, page_request(args)))


@blp.route("/<uuid:vendor_id>/balance", methods=["GET"])
@auth_required
@blp.response(200, BalanceOut)
def balance(vendor_id: UUID) -> dict[str, Any]:
    """What the vendor has earned, been paid, and would be paid now (from the ledger)."""
    _visible_vendor(vendor_id)
    with services().engine.connect() as connection:
        books = vendor_ledger(connection, vendor_id)
    share, _ = DEFAULT_COMMISSION.split(Money(books.unpaid_takings, SETTLEMENT_CURRENCY))
    available = share.amount - books.owed_back
    return {
        "earned": books.paid_out + available,
        "paid_out": books.paid_out,
        "available": available,
        "currency": SETTLEMENT_CURRENCY,
    }


def _visible_vendor(vendor_id: UUID) -> None:
    """Admins see every vendor, a vendor only itself; anyone else gets 404."""
    actor = current_actor()
    if not (actor.is_admin or actor.user_id == vendor_id):
        raise NotFound("no such vendor")
    users = tables.users.c
    with services().engine.connect() as connection:
        role = connection.scalar(
            tables.users.select().with_only_columns(users.role).where(users.id == vendor_id)
        )
    if role is not Role.VENDOR:
        raise NotFound("no such vendor")
