"""Trips: a vendor's own (an admin's, every vendor's); create, edit, archive; seats left."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from travellr.api.http.authentication import new_uow, read_uow, services, utcnow
from travellr.api.http.pagination import page_request
from travellr.api.trips import CreateTripIn, TripFieldsIn, TripListArgs
from travellr.application import trips as trip_cases
from travellr.application.ports.queries import TripFilters
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_form, load_query, next_page_args
from travellr.domain.trips import Trip

OPTIONAL = ("description", "end_at", "vendor_id", "currency")


@blp.get("/trips")
@session.staff_only
def trips() -> str:
    """Active trips, soonest first: a vendor's own; an admin's, any vendor's (or one's)."""
    actor = session.current_actor()
    args = load_query(TripListArgs(), request.args)
    page = trip_cases.list_managed_trips(
        TripFilters(vendor_id=args.get("vendor_id"), destination=args.get("destination")),
        page_request(args),
        actor=actor,
        queries=services().queries,
        now=utcnow(),
    )
    return render_template(
        "console/trips.html", page=page, next_args=next_page_args(page.next_cursor)
    )


@blp.route("/trips/new", methods=["GET", "POST"])
@session.staff_only
def new_trip() -> Response | str | tuple[str, int]:
    actor = session.current_actor()
    if request.method == "GET":
        return _trip_form(None, {}, {})
    schema = CreateTripIn() if actor.is_admin else CreateTripIn(exclude=("vendor_id",))
    fields, errors = load_form(schema, request.form, optional=OPTIONAL)
    if errors:
        return _trip_form(None, request.form, errors), 422
    trip = trip_cases.create_trip(fields, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.edit_trip", trip_id=trip.id))


@blp.route("/trips/<uuid:trip_id>", methods=["GET", "POST"])
@session.staff_only
def edit_trip(trip_id: UUID) -> Response | str | tuple[str, int]:
    actor = session.current_actor()
    trip = trip_cases.managed_trip(trip_id, actor=actor, uow=read_uow())
    if request.method == "GET":
        return _trip_form(trip, {}, {})
    fields, errors = load_form(TripFieldsIn(), request.form, optional=OPTIONAL)
    if errors:
        return _trip_form(trip, request.form, errors), 422
    trip_cases.update_trip(trip_id, fields, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.edit_trip", trip_id=trip_id, saved=1))


@blp.post("/trips/<uuid:trip_id>/archive")
@session.staff_only
def archive_trip(trip_id: UUID) -> Response:
    actor = session.current_actor()
    trip_cases.managed_trip(trip_id, actor=actor, uow=read_uow())
    trip_cases.archive_trip(trip_id, actor=actor, uow=new_uow(), now=utcnow())
    return redirect(url_for("console.trips"))


def _trip_form(trip: Trip | None, form: Any, errors: dict[str, list[str]]) -> str:
    return render_template(
        "console/trip_form.html",
        trip=trip,
        form=form,
        errors=errors,
        saved=request.args.get("saved") == "1",
        is_admin=session.current_actor().is_admin,
    )
