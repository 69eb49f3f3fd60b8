"""Trips: a vendor's own (an admin's, every vendor's); create, edit, archive; seats left."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from flask import redirect, render_template, request, url_for
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from travellr.api.http.authentication import new_uow, read_uow, services, utcnow
from travellr.api.http.pagination import page_request
from travellr.api.trips import CreateTripIn, TripFieldsIn
from travellr.api.vendors import VendorTripListArgs, managed_trip_filters
from travellr.application import trips as trip_cases
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.formatting import for_input
from travellr.console.forms import load_form, load_query, next_page_args
from travellr.domain.trips import Trip, TripStatus

OPTIONAL = ("description", "end_at", "vendor_id", "currency")
ANY_STATUS = "all"


class TripPageArgs(VendorTripListArgs):
    """GET /vendors/{id}/trips's filters; the page shows active trips unless asked otherwise."""

    status = fields.String(  # type: ignore[assignment] # the API's statuses, or all
        validate=validate.OneOf([*TripStatus, ANY_STATUS]), load_default="active"
    )
    vendor_id = fields.UUID()


@blp.get("/trips")
@session.staff_only
def trips() -> str:
    """Trips soonest first, archived ones on request: a vendor's own; an admin's, any
    vendor's (or one's)."""
    actor = session.current_actor()
    args = load_query(TripPageArgs(), request.args)
    status = args.pop("status")
    args["status"] = None if status == ANY_STATUS else TripStatus(status)
    wired = services()
    page = trip_cases.list_managed_trips(
        managed_trip_filters(args, args.get("vendor_id") if actor.is_admin else None),
        page_request(args),
        actor=actor,
        queries=wired.queries,
        reports=wired.reports,
    )
    return render_template(
        "console/trips.html",
        page=page,
        statuses=[*TripStatus, ANY_STATUS],
        status=status,
        next_args=next_page_args(page.next_cursor),
    )


@blp.route("/trips/new", methods=["GET", "POST"])
@session.staff_only
def new_trip() -> Response | str | tuple[str, int]:
    actor = session.current_actor()
    if request.method == "GET":
        return _trip_form(None, {}, {})
    schema = CreateTripIn() if actor.is_admin else CreateTripIn(exclude=("vendor_id",))
    values, errors = load_form(schema, request.form, optional=OPTIONAL)
    if errors:
        return _trip_form(None, request.form, errors), 422
    trip = trip_cases.create_trip(values, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.edit_trip", trip_id=trip.id))


@blp.route("/trips/<uuid:trip_id>", methods=["GET", "POST"])
@session.staff_only
def edit_trip(trip_id: UUID) -> Response | str | tuple[str, int]:
    actor = session.current_actor()
    trip = trip_cases.managed_trip(trip_id, actor=actor, uow=read_uow())
    if request.method == "GET":
        return _trip_form(trip, {}, {})
    values, errors = load_form(TripFieldsIn(), _edited(request.form, trip), optional=OPTIONAL)
    if errors:
        return _trip_form(trip, request.form, errors), 422
    trip_cases.update_trip(trip_id, values, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.edit_trip", trip_id=trip_id, saved=1))


@blp.post("/trips/<uuid:trip_id>/archive")
@session.staff_only
def archive_trip(trip_id: UUID) -> Response:
    actor = session.current_actor()
    trip_cases.managed_trip(trip_id, actor=actor, uow=read_uow())
    trip_cases.archive_trip(trip_id, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.edit_trip", trip_id=trip_id))


def _edited(form: Mapping[str, str], trip: Trip) -> dict[str, str]:
    """The form's fields but the times sent back as the form showed them: a datetime-local
    input holds minutes, so resending one as it was would cut the trip's seconds off."""
    shown = {"start_at": for_input(trip.start_at), "end_at": for_input(trip.end_at)}
    return {name: value for name, value in form.items() if shown.get(name) != value}


def _trip_form(trip: Trip | None, form: Any, errors: dict[str, list[str]]) -> str:
    return render_template(
        "console/trip_form.html",
        trip=trip,
        form=form,
        errors=errors,
        saved=request.args.get("saved") == "1",
        is_admin=session.current_actor().is_admin,
    )
