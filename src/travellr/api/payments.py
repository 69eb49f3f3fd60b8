"""Payments and refunds."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from travellr.api.bookings import PAYMENT_METHOD
from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import (
    auth_required,
    current_actor,
    new_uow,
    read_uow,
    services,
    utcnow,
)
from travellr.api.http.fields import (
    CURRENCY,
    MoneyAmount,
    RenderedSchema,
    StrictSchema,
    UtcDateTime,
    one_of,
)
from travellr.api.http.idempotency import idempotent
from travellr.api.http.locations import located
from travellr.api.http.pagination import ListArgs, list_of, page_body, page_request
from travellr.api.http.problems import PROBLEM_JSON, PaymentDeclinedProblemOut
from travellr.application import payments, resources
from travellr.domain.payments import Payment, PaymentStatus, Refund, RefundStatus

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments", description="Payments")


class PaymentOut(RenderedSchema):
    resource = resources.PAYMENT

    id = fields.UUID()
    booking_id = fields.UUID()
    amount = MoneyAmount()
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(PaymentStatus))
    amount_refunded = MoneyAmount()
    provider = fields.String()
    provider_ref = fields.String(allow_none=True)
    failure_message = fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class RefundOut(StrictSchema):
    id = fields.UUID()
    payment_id = fields.UUID()
    amount = MoneyAmount()
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(RefundStatus))
    reason = fields.String(allow_none=True)
    created_at = UtcDateTime()


class PayIn(StrictSchema):
    booking_id = fields.UUID(required=True)
    payment_method = fields.String(required=True, validate=PAYMENT_METHOD)


class RefundIn(StrictSchema):
    amount = MoneyAmount(metadata={"description": "default: all that is left to refund"})
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class PaymentListArgs(ListArgs):
    booking_id = fields.UUID()
    status = fields.Enum(PaymentStatus, by_value=True)


@blp.route("", methods=["POST"])
@blp.doc(operationId="payBooking")
@auth_required
@blp.arguments(PayIn())
@located("payments.get_payment", payment_id="id")
@idempotent
@blp.response(201, PaymentOut)
@blp.alt_response(
    402,
    schema=PaymentDeclinedProblemOut,
    content_type=PROBLEM_JSON,
    description="payment_declined: the payment is kept as failed",
)
@blp.alt_response(
    409,
    description="invalid_transition: the booking is not pending (or its hold ran out); "
    "trip_not_bookable; payment_in_progress: a charge with another card is in flight",
)
def pay(body: dict[str, Any]) -> Payment:
    """Pay a pending booking by card; the booking is confirmed."""
    return payments.pay_booking(
        body["booking_id"],
        body["payment_method"],
        actor=current_actor(),
        new_uow=new_uow,
        gateway=services().gateway,
        now=utcnow(),
    )


@blp.route("", methods=["GET"])
@blp.doc(operationId="listPayments")
@auth_required
@blp.arguments(PaymentListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(PaymentOut))
def list_payments(args: dict[str, Any]) -> dict[str, Any]:
    """Your payments; a vendor's are those on its trips; an admin's, all."""
    status = args.get("status")
    page = payments.list_payments(
        page_request(args),
        booking_id=args.get("booking_id"),
        status=status.value if status else None,
        actor=current_actor(),
        queries=services().queries,
    )
    return page_body(page)


@blp.route("/<uuid:payment_id>", methods=["GET"])
@blp.doc(operationId="getPayment")
@auth_required
@blp.response(200, PaymentOut)
def get_payment(payment_id: UUID) -> Payment:
    """One payment."""
    return payments.get_payment(payment_id, actor=current_actor(), uow=read_uow())


@blp.route("/<uuid:payment_id>/refunds", methods=["GET"])
@blp.doc(operationId="listRefunds")
@auth_required
@blp.arguments(ListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(RefundOut))
def list_refunds(args: dict[str, Any], payment_id: UUID) -> dict[str, Any]:
    """A payment's refunds, newest first; they add up to its `amount_refunded`."""
    page = payments.list_refunds(
        payment_id,
        page_request(args),
        actor=current_actor(),
        uow=read_uow(),
        queries=services().queries,
    )
    return page_body(page)


@blp.route("/<uuid:payment_id>/refund", methods=["POST"])
@blp.doc(operationId="refundPayment")
@auth_required
@blp.arguments(RefundIn())
@located("payments.get_payment", payment_id="payment_id")
@idempotent
@blp.response(201, RefundOut)
@blp.alt_response(
    409, description="not_refundable; payout_in_progress: the booking is being paid out"
)
def refund(body: dict[str, Any], payment_id: UUID) -> Refund:
    """Refund part or all of a payment (admins and the trip's vendor)."""
    wired = services()
    return payments.refund_payment(
        payment_id,
        body.get("amount"),
        body.get("reason"),
        actor=current_actor(),
        uow=new_uow(),
        gateway=wired.gateway,
        commission=wired.commission,
        now=utcnow(),
    )
