"""Vendors' payouts, balances and trips (admins, and each vendor for itself)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import auth_required, current_actor, new_uow, services, utcnow
from travellr.api.http.fields import (
    CURRENCY,
    MoneyAmount,
    RenderedSchema,
    StrictSchema,
    UtcDateTime,
    has_a_next_day,
    one_of,
)
from travellr.api.http.idempotency import idempotent
from travellr.api.http.locations import located
from travellr.api.http.pagination import ListArgs, list_of, page_body, page_request
from travellr.api.http.problems import PROBLEM_JSON, PayoutProblemOut
from travellr.api.trips import TripOut
from travellr.application import resources, trips, vendors
from travellr.application.payouts import pay_vendor
from travellr.application.ports.queries import ManagedTripFilters
from travellr.domain.payouts import Payout, PayoutStatus
from travellr.domain.trips import TripStatus

blp = Blueprint("vendors", __name__, url_prefix="/api/v1/vendors", description="Vendor payouts")


class PayoutOut(RenderedSchema):
    resource = resources.PAYOUT

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
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(PayoutStatus))
    provider_ref = fields.String(allow_none=True)
    created_at = UtcDateTime()


class PayoutIn(StrictSchema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True, validate=has_a_next_day)


class VendorTripListArgs(ListArgs):
    status = fields.Enum(TripStatus, by_value=True, metadata={"description": "default: any"})
    destination = fields.String(validate=validate.Length(max=200))


def managed_trip_filters(args: dict[str, Any], vendor_id: UUID | None) -> ManagedTripFilters:
    status = args.get("status")
    return ManagedTripFilters(
        vendor_id=vendor_id,
        status=status.value if status else None,
        destination=args.get("destination"),
    )


class BalanceOut(StrictSchema):
    earned = MoneyAmount(allow_zero=True)
    paid_out = MoneyAmount()
    available = MoneyAmount()
    currency = fields.String(validate=CURRENCY)


@blp.route("/<uuid:vendor_id>/payout", methods=["POST"])
@blp.doc(operationId="payVendor")
@auth_required
@blp.arguments(PayoutIn())
@located("vendors.get_payout", vendor_id="vendor_id", payout_id="id")
@idempotent
@blp.response(201, PayoutOut)
@blp.alt_response(
    422,
    schema=PayoutProblemOut,
    content_type=PROBLEM_JSON,
    description="validation_failed; below_minimum (with `amount`); nothing_to_pay",
)
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
@blp.doc(operationId="listVendorPayouts")
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


@blp.route("/<uuid:vendor_id>/trips", methods=["GET"])
@blp.doc(operationId="listVendorTrips")
@auth_required
@blp.arguments(VendorTripListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(TripOut))
def list_trips(args: dict[str, Any], vendor_id: UUID) -> dict[str, Any]:
    """A vendor's trips as it manages them, archived ones too (`status` picks one), soonest
    first."""
    wired = services()
    page = trips.list_managed_trips(
        managed_trip_filters(args, vendor_id),
        page_request(args),
        actor=current_actor(),
        queries=wired.queries,
        reports=wired.reports,
    )
    return page_body(page)


@blp.route("/<uuid:vendor_id>/payouts/<uuid:payout_id>", methods=["GET"])
@blp.doc(operationId="getVendorPayout")
@auth_required
@blp.response(200, PayoutOut)
def get_payout(vendor_id: UUID, payout_id: UUID) -> dict[str, Any]:
    """One of a vendor's payouts (the `Location` of a new payout)."""
    wired = services()
    return vendors.vendor_payout(
        vendor_id, payout_id, actor=current_actor(), reports=wired.reports, queries=wired.queries
    )


@blp.route("/<uuid:vendor_id>/balance", methods=["GET"])
@blp.doc(operationId="getVendorBalance")
@auth_required
@blp.response(200, BalanceOut)
def balance(vendor_id: UUID) -> vendors.Balance:
    """What the vendor has earned, been paid, and would be paid now (from the ledger)."""
    wired = services()
    return vendors.vendor_balance(
        vendor_id, actor=current_actor(), reports=wired.reports, commission=wired.commission
    )
