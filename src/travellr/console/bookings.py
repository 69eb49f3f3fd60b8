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
from travellr.domain.audit import AuditAction
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
    """The booking, its payments, each refund on them (GET /payments/{id}/refunds) and, for
    an admin, the audit entries about the booking and its payments (who refunded)."""
    actor = session.current_actor()
    found = bookings.get_booking(booking_id, actor=actor, uow=read_uow())
    paid = payments.list_payments(
        page_request({"limit": 100}),
        booking_id=booking_id,
        status=None,
        actor=actor,
        queries=services().queries,
    )
    refunds = [refund for p in paid.items if p["amount_refunded"] for refund in _refunds(p["id"])]
    entries = _audit_entries(found.id, [p["id"] for p in paid.items]) if actor.is_admin else None
    return render_template(
        "console/booking.html",
        booking=found,
        payments=paid.items,
        refunds=refunds,
        refunded_by=_refunders(entries or []),
        refundable=REFUNDABLE,
        audit_entries=entries,
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


def _refunds(payment_id: UUID) -> list[Any]:
    page = payments.list_refunds(
        payment_id,
        page_request({"limit": 100}),
        actor=session.current_actor(),
        uow=read_uow(),
        queries=services().queries,
    )
    return list(page.items)


def _audit_entries(booking_id: UUID, payment_ids: list[UUID]) -> list[Any]:
    """What the audit log holds about this booking and its payments, newest first (the log
    is for admins only)."""
    subjects = [("booking", booking_id), *(("payment", p) for p in payment_ids)]
    entries = [
        entry
        for subject_type, subject_id in subjects
        for entry in audit_log.list_audit_log(
            AuditFilters(subject_type=subject_type, subject_id=str(subject_id)),
            page_request({"limit": 100}),
            actor=session.current_actor(),
            queries=services().queries,
        ).items
    ]
    return sorted(entries, key=lambda entry: (entry["at"], str(entry["id"])), reverse=True)


def _refunders(entries: list[Any]) -> dict[str, Any]:
    """Who made each refund, by refund id: the audit entry that recorded it."""
    return {
        str(entry["changes"]["refund_id"][1]): entry
        for entry in entries
        if entry["action"] == AuditAction.PAYMENT_REFUNDED
    }
