"""Bookings: seats on a trip, held, paid, cancelled."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

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
from travellr.api.http.pagination import ListArgs, TimeBound, list_of, page_body, page_request
from travellr.api.http.problems import PROBLEM_JSON, PaymentDeclinedProblemOut
from travellr.application import bookings, resources
from travellr.application.ports.queries import BookingFilters
from travellr.domain.bookings import Booking, BookingStatus

blp = Blueprint("bookings", __name__, url_prefix="/api/v1/bookings", description="Bookings")

# A payment method's id as the gateways give them (Stripe's and the test ones: pm_card_visa).
# Checked before anything is booked: a malformed one leaves nothing behind, not even a hold.
PAYMENT_METHOD = validate.Regexp(
    r"^pm_[A-Za-z0-9_]{1,252}$", error="Must be a payment method id such as pm_card_visa."
)
NOTES = validate.Length(max=2000)


class BookingOut(RenderedSchema):
    resource = resources.BOOKING

    id = fields.UUID()
    user_id = fields.UUID()
    vendor_id = fields.UUID()
    trip_id = fields.UUID()
    trip_date = UtcDateTime()
    seats = fields.Integer()
    total_price = MoneyAmount()
    currency = fields.String(validate=CURRENCY)
    status = fields.String(validate=one_of(BookingStatus))
    notes = fields.String(allow_none=True)
    refund_amount = MoneyAmount(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class CreateBookingIn(StrictSchema):
    trip_id = fields.UUID(required=True)
    seats = fields.Integer(strict=True, load_default=1, validate=validate.Range(1, 10000))
    total_price = MoneyAmount(metadata={"description": "the total the client expects to pay"})
    notes = fields.String(allow_none=True, validate=NOTES)
    payment_method = fields.String(
        validate=PAYMENT_METHOD, metadata={"description": "pay at once, e.g. pm_card_visa"}
    )


class UpdateBookingIn(StrictSchema):
    seats = fields.Integer(strict=True, validate=validate.Range(1, 10000))
    notes = fields.String(allow_none=True, validate=NOTES)


class CancelBookingIn(StrictSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class BookingListArgs(ListArgs):
    status = fields.Enum(BookingStatus, by_value=True)
    trip_id = fields.UUID()
    from_ = TimeBound(data_key="from")
    to = TimeBound(upper=True)


def booking_filters(args: dict[str, Any]) -> BookingFilters:
    status = args.get("status")
    return BookingFilters(
        status=status.value if status else None,
        trip_id=args.get("trip_id"),
        user_id=args.get("user_id"),
        user_email=args.get("user_email"),
        vendor_id=args.get("vendor_id"),
        trip_from=args.get("from_"),
        trip_before=args.get("to"),
    )


@blp.route("", methods=["POST"], strict_slashes=False)
@blp.doc(operationId="createBooking")
@auth_required
@blp.arguments(CreateBookingIn())
@located("bookings.get_booking", booking_id="id")
@idempotent
@blp.response(201, BookingOut)
@blp.alt_response(
    402,
    schema=PaymentDeclinedProblemOut,
    content_type=PROBLEM_JSON,
    description="payment_declined: the booking stays pending",
)
@blp.alt_response(409, description="sold_out, price_mismatch or trip_not_bookable")
def create_booking(body: dict[str, Any]) -> Booking:
    """Book seats; with `payment_method` the card is charged at once."""
    wired = services()
    return bookings.place_booking(
        bookings.BookingRequest(**body),
        actor=current_actor(),
        new_uow=new_uow,
        gateway=wired.gateway,
        hold=wired.settings.booking_hold,
        now=utcnow(),
    )


@blp.route("", methods=["GET"])
@blp.doc(operationId="listBookings")
@auth_required
@blp.arguments(BookingListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(BookingOut))
def list_bookings(args: dict[str, Any]) -> dict[str, Any]:
    """Your bookings; a vendor's are those on its trips; an admin's, all."""
    page = bookings.list_bookings(
        booking_filters(args), page_request(args), actor=current_actor(), queries=services().queries
    )
    return page_body(page)


@blp.route("/<uuid:booking_id>", methods=["GET"])
@blp.doc(operationId="getBooking")
@auth_required
@blp.response(200, BookingOut)
def get_booking(booking_id: UUID) -> Booking:
    """One booking: its traveller, the trip's vendor or an admin."""
    return bookings.get_booking(booking_id, actor=current_actor(), uow=read_uow())


@blp.route("/<uuid:booking_id>", methods=["PUT"])
@blp.doc(operationId="updateBooking")
@auth_required
@blp.arguments(UpdateBookingIn())
@blp.response(200, BookingOut)
def update_booking(body: dict[str, Any], booking_id: UUID) -> Booking:
    """Change the seats or notes of a pending booking."""
    return bookings.update_booking(
        booking_id,
        seats=body.get("seats"),
        notes=body.get("notes", ...),  # null clears the notes; leaving them out keeps them
        actor=current_actor(),
        uow=new_uow(),
        now=utcnow(),
    )


@blp.route("/<uuid:booking_id>/cancel", methods=["POST"])
@blp.doc(operationId="cancelBooking")
@auth_required
@blp.arguments(CancelBookingIn())
@blp.response(200, BookingOut)
def cancel_booking(body: dict[str, Any], booking_id: UUID) -> Booking:
    """Cancel a booking; the refund follows the cancellation policy."""
    wired = services()
    return bookings.cancel_booking(
        booking_id,
        body.get("reason"),
        actor=current_actor(),
        uow=new_uow(),
        gateway=wired.gateway,
        policy=wired.policy,
        commission=wired.commission,
        now=utcnow(),
    )
