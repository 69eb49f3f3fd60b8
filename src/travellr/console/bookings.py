"""Bookings: an admin's all, a vendor's on its trips; a booking's page; cancelling one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from travellr.api.admin import AdminBookingListArgs
from travellr.api.bookings import BookingListArgs, CancelBookingIn, booking_filters
from travellr.api.http.authentication import new_uow, read_uow, services, utcnow
from travellr.api.http.pagination import page_request
from travellr.api.payments import RefundIn
from travellr.application import audit_log, bookings, payments
from travellr.application.ports.queries import AuditFilters
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query, next_page_args
from travellr.domain.bookings import BookingStatus
from travellr.domain.payments import REFUNDABLE

CANCELLABLE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


@blp.get("/bookings")
@session.staff_only
def bookings_list() -> str:
    """The API's filters (GET /api/v1/bookings, or /admin/bookings for an admin), cursor pages."""
    actor = session.current_actor()
    schema = AdminBookingListArgs() if actor.is_admin else BookingListArgs()
    args = load_query(schema, request.args)
    page = bookings.list_bookings(
        booking_filters(args), page_request(args), actor=actor, queries=services().queries
    )
    return render_template(
        "console/bookings.html",
        page=page,
        statuses=list(BookingStatus),
        filters=request.args,
        next_args=next_page_args(page.next_cursor),
    )


@blp.get("/bookings/<uuid:booking_id>")
@session.staff_only
def booking(booking_id: UUID) -> str:
    actor = session.current_actor()
    found = bookings.get_booking(booking_id, actor=actor, uow=read_uow())
    paid = payments.list_payments(
        page_request({"limit": 100}),
        booking_id=booking_id,
        status=None,
        actor=actor,
        queries=services().queries,
    )
    return render_template(
        "console/booking.html",
        booking=found,
        payments=paid.items,
        refundable=REFUNDABLE,
        audit_entries=_audit_entries(booking_id) if actor.is_admin else None,
        cancellable=found.status in CANCELLABLE,
    )


@blp.get("/bookings/<uuid:booking_id>/cancel")
@session.staff_only
def cancel_booking_confirm(booking_id: UUID) -> str:
    """What the policy refunds if the booking is cancelled now, before anything is done."""
    found, refund = bookings.preview_cancellation(
        booking_id,
        actor=session.current_actor(),
        uow=new_uow(),
        policy=services().policy,
        now=utcnow(),
    )
    return render_template("console/cancel_booking.html", booking=found, refund=refund)


@blp.post("/bookings/<uuid:booking_id>/cancel")
@session.staff_only
def cancel_booking(booking_id: UUID) -> Response:
    body = load_query(CancelBookingIn(), {"reason": request.form.get("reason", "")})
    wired = services()
    bookings.cancel_booking(
        booking_id,
        body.get("reason"),
        actor=session.current_actor(),
        uow=new_uow(),
        gateway=wired.gateway,
        policy=wired.policy,
        commission=wired.commission,
        now=utcnow(),
    )
    return redirect(url_for("console.booking", booking_id=booking_id))


@blp.post("/bookings/<uuid:booking_id>/payments/<uuid:payment_id>/refund")
@session.staff_only
def refund_payment(booking_id: UUID, payment_id: UUID) -> Response:
    """POST /payments/{id}/refund: part or all of what is left (admins, the trip's vendor)."""
    body = load_query(RefundIn(), request.form)
    wired = services()
    payments.refund_payment(
        payment_id,
        body.get("amount"),
        body.get("reason"),
        actor=session.current_actor(),
        uow=new_uow(),
        gateway=wired.gateway,
        commission=wired.commission,
        now=utcnow(),
    )
    return redirect(url_for("console.booking", booking_id=booking_id))


def _audit_entries(booking_id: UUID) -> list[Any]:
    """What the audit log holds about this booking (the log is for admins only)."""
    filters = AuditFilters(subject_type="booking", subject_id=str(booking_id))
    page = audit_log.list_audit_log(
        filters,
        page_request({"limit": 100}),
        actor=session.current_actor(),
        queries=services().queries,
    )
    return list(page.items)
