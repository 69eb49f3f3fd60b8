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
from travellr.application import vendors
from travellr.application.payouts import pay_vendor
from travellr.domain.payouts import Payout

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
    return pay_vendor(
        vendor_id,
        body["period_start"],
        body["period_end"],
        actor=current_actor(),
        new_uow=new_uow,
        gateway=services().payouts,
        commission=services().commission,
        now=utcnow(),
    )


@blp.route("/<uuid:vendor_id>/payouts", methods=["GET"])
@auth_required
@blp.arguments(ListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(PayoutOut))
def list_payouts(args: dict[str, Any], vendor_id: UUID) -> dict[str, Any]:
    """A vendor's payouts, newest first."""
    wired = services()
    page = vendors.vendor_payouts(
        vendor_id,
        page_request(args),
        actor=current_actor(),
        reports=wired.reports,
        queries=wired.queries,
    )
    return page_body(page)


@blp.route("/<uuid:vendor_id>/balance", methods=["GET"])
@auth_required
@blp.response(200, BalanceOut)
def balance(vendor_id: UUID) -> vendors.Balance:
    """What the vendor has earned, been paid, and would be paid now (from the ledger)."""
    wired = services()
    return vendors.vendor_balance(
        vendor_id, actor=current_actor(), reports=wired.reports, commission=wired.commission
    )
