"""Admin read side: every user and booking, and the analytics of any period.

Admin-only collections answer 403 to any other signed-in role: they are not resources that
might exist out of sight (the 404 rule of the contract), the whole endpoint is off limits.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, cast

from flask import Response, jsonify
from marshmallow import fields, validate

from travellr.api.bookings import BookingListArgs, BookingOut, booking_filters
from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import auth_required, current_actor, services, utcnow
from travellr.api.http.fields import CURRENCY, MoneyAmount, StrictSchema, has_a_next_day
from travellr.api.http.pagination import ListArgs, list_of, page_body, page_request
from travellr.api.http.response_cache import cached_body
from travellr.api.users import UserOut
from travellr.application import analytics as reports
from travellr.application import bookings
from travellr.application import users as user_cases
from travellr.application.cached_reads import ANALYTICS_TTL, analytics_key
from travellr.application.ports.queries import Page
from travellr.domain.actors import Actor, Role, ensure_admin

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/api/v1/admin",
    description="Admins only: any other role gets 403 (the whole collection is off limits).",
)

MONEY = {"allow_zero": True}


class UserListArgs(ListArgs):
    role = fields.Enum(Role, by_value=True)
    is_active = fields.Boolean()
    q = fields.String(
        validate=validate.Length(1, 254),
        metadata={"description": "case-insensitive substring of the email or the name"},
    )


class AdminBookingListArgs(BookingListArgs):
    user_id = fields.UUID()
    user_email = fields.Email(
        validate=validate.Length(max=254),
        metadata={"description": "the traveller's email (exact, case-insensitive)"},
    )
    vendor_id = fields.UUID()
    archived = fields.Boolean(
        load_default=False,
        metadata={
            "description": "list the archive: old unpaid bookings moved out by the archive job"
        },
    )


class AnalyticsArgs(StrictSchema):
    from_ = fields.Date(data_key="from", metadata={"description": "default: `to` - 29 days"})
    to = fields.Date(
        validate=has_a_next_day, metadata={"description": "inclusive; default: today (UTC)"}
    )


class AnalyticsPeriodOut(StrictSchema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class AnalyticsUsersOut(StrictSchema):
    total = fields.Integer(metadata={"description": "all users created up to the period's end"})
    new = fields.Integer(metadata={"description": "users created in the period"})
    by_role = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "`total` by role: traveler, vendor, admin"},
    )


class AnalyticsBookingsOut(StrictSchema):
    total = fields.Integer(metadata={"description": "bookings created in the period"})
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer())


class AnalyticsRevenueOut(StrictSchema):
    gross = MoneyAmount(**MONEY, metadata={"description": "payments by their payment time"})
    refunds = MoneyAmount(**MONEY, metadata={"description": "refunds by the time they were made"})
    net = MoneyAmount(**MONEY, metadata={"description": "gross - refunds (may be negative)"})
    platform_fee = MoneyAmount(**MONEY, metadata={"description": "20 % of net"})
    vendor_share = MoneyAmount(**MONEY, metadata={"description": "80 % of net, as payouts round"})
    paid_out = MoneyAmount(**MONEY, metadata={"description": "payouts made in the period"})


class AnalyticsDayOut(StrictSchema):
    date = fields.Date()
    bookings = fields.Integer()
    gross = MoneyAmount(**MONEY)
    refunds = MoneyAmount(**MONEY)


class AnalyticsVendorOut(StrictSchema):
    vendor_id = fields.UUID()
    name = fields.String()
    gross = MoneyAmount(**MONEY)


class AnalyticsOut(StrictSchema):
    period = fields.Nested(AnalyticsPeriodOut)
    currency = fields.String(validate=CURRENCY)
    users = fields.Nested(AnalyticsUsersOut)
    bookings = fields.Nested(AnalyticsBookingsOut)
    revenue = fields.Nested(AnalyticsRevenueOut)
    daily = fields.List(fields.Nested(AnalyticsDayOut), metadata={"description": "every UTC day"})
    top_vendors = fields.List(
        fields.Nested(AnalyticsVendorOut), metadata={"description": "top 5 by gross"}
    )


@blp.route("/users", methods=["GET"])
@blp.doc(operationId="listUsers")
@auth_required
@blp.arguments(UserListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(UserOut))
@blp.alt_response(403, description="not an admin")
def list_users(args: dict[str, Any]) -> dict[str, Any]:
    """Every user, newest first, filtered by role, activity or a search string."""
    return page_body(users_page(args, current_actor()))


def users_page(args: dict[str, Any], actor: Actor) -> Page:
    """The page of users the listing's arguments ask for (the back office's users page too)."""
    return user_cases.list_users(
        page_request(args),
        role=args.get("role"),
        is_active=args.get("is_active"),
        q=args.get("q"),
        actor=actor,
        queries=services().queries,
    )


@blp.route("/bookings", methods=["GET"])
@blp.doc(operationId="listAllBookings")
@auth_required
@blp.arguments(AdminBookingListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(BookingOut))
@blp.alt_response(403, description="not an admin")
def list_bookings(args: dict[str, Any]) -> dict[str, Any]:
    """Every booking, newest first; `from`/`to` bound `trip_date`."""
    filters = replace(booking_filters(args), archived=args["archived"])
    page = bookings.list_all_bookings(
        filters, page_request(args), actor=current_actor(), queries=services().queries
    )
    return page_body(page)


@blp.route("/analytics", methods=["GET"])
@blp.doc(operationId="getAnalytics")
@auth_required
@blp.arguments(AnalyticsArgs(), location="query", as_kwargs=False)
@blp.response(200, AnalyticsOut)
@blp.alt_response(403, description="not an admin")
@blp.alt_response(422, description="`to` before `from`, or a period over three years")
def analytics(args: dict[str, Any]) -> Response:
    """A period's figures (UTC days, both ends inclusive; default the last 30 days).

    gross: payments by payment time; refunds: by refund time; net = gross - refunds, split
    80/20 as payouts are; paid_out: payouts made in the period. Bookings and new users are
    counted by creation time; `users.total` (and `by_role`) counts every user created up to
    the period's end. Cached for a minute; bookings, payments and payouts invalidate it.
    """
    ensure_admin(current_actor())
    return jsonify(analytics_body(args.get("from_"), args.get("to")))


def analytics_body(first: date | None, last: date | None) -> dict[str, Any]:
    """The analytics of `first`..`last` as this endpoint answers them, from its cache (the
    admin check is the caller's): the back office's dashboard shows this very body."""
    wired = services()
    period = reports.period_of(first, last, today=utcnow().date())
    key = analytics_key(wired.cache, period.first, period.last)
    return cast(
        dict[str, Any],
        cached_body(
            key,
            ANALYTICS_TTL,
            AnalyticsOut(),
            lambda: reports.analytics(period, reports=wired.reports, commission=wired.commission),
        ),
    )
