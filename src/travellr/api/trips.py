"""Trips: what vendors sell. Reading needs no token."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Response
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
    refuse_fields,
)
from travellr.api.http.locations import located
from travellr.api.http.pagination import ListArgs, TimeBound, list_of, page_body, page_request
from travellr.api.http.response_cache import cached_json
from travellr.application import resources, trips
from travellr.application.cached_reads import (
    TRIP_LIST_TTL,
    TRIP_TTL,
    trip_key,
    trip_list_key,
)
from travellr.application.ports.queries import TripFilters
from travellr.domain.trips import Trip, TripStatus

blp = Blueprint("trips", __name__, url_prefix="/api/v1/trips", description="Trips for sale")


class TripOut(RenderedSchema):
    resource = resources.TRIP

    id = fields.UUID()
    vendor_id = fields.UUID()
    title = fields.String()
    description = fields.String(allow_none=True)
    destination = fields.String()
    start_at = UtcDateTime()
    end_at = UtcDateTime(allow_none=True)
    price = MoneyAmount()
    currency = fields.String(validate=CURRENCY)
    capacity = fields.Integer()
    seats_left = fields.Integer()
    status = fields.String(validate=one_of(TripStatus))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class TripFieldsIn(StrictSchema):
    title = fields.String(validate=validate.Length(1, 200))
    description = fields.String(allow_none=True, validate=validate.Length(max=5000))
    destination = fields.String(validate=validate.Length(1, 200))
    start_at = UtcDateTime()
    end_at = UtcDateTime(allow_none=True)
    price = MoneyAmount()
    currency = fields.String(
        validate=CURRENCY,
        metadata={"description": "USD (the default): payouts and analytics are settled in USD"},
    )
    capacity = fields.Integer(strict=True, validate=validate.Range(1, 10000))


class CreateTripIn(TripFieldsIn):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    destination = fields.String(required=True, validate=validate.Length(1, 200))
    start_at = UtcDateTime(required=True)
    price = MoneyAmount(required=True)
    capacity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10000))
    vendor_id = fields.UUID(metadata={"description": "admins only: the vendor who sells it"})


class TripListArgs(ListArgs):
    destination = fields.String(validate=validate.Length(max=200))
    from_ = TimeBound(data_key="from")
    to = TimeBound(upper=True)
    min_price = MoneyAmount(allow_zero=True)
    max_price = MoneyAmount(allow_zero=True)
    vendor_id = fields.UUID()
    available = fields.Boolean()


@blp.route("", methods=["GET"])
@blp.doc(operationId="listTrips")
@blp.arguments(TripListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(TripOut))
def list_trips(args: dict[str, Any]) -> Response | dict[str, Any]:
    """Active trips, soonest first, with the contract's filters (the first page is cached
    for 30 s; bookings and trip edits invalidate it)."""
    filters = TripFilters(
        destination=args.get("destination"),
        starts_from=args.get("from_"),
        starts_before=args.get("to"),
        min_price=args.get("min_price"),
        max_price=args.get("max_price"),
        vendor_id=args.get("vendor_id"),
        available=args.get("available", False),
    )

    def page() -> dict[str, Any]:
        found = trips.list_trips(
            filters, page_request(args), queries=services().queries, now=utcnow()
        )
        return page_body(found)

    if args.get("cursor") is None:  # the first page is what most visitors load: cached
        key = trip_list_key(services().cache, args)
        return cached_json(key, TRIP_LIST_TTL, list_of(TripOut)(), page)
    return page()


@blp.route("", methods=["POST"])
@blp.doc(operationId="createTrip")
@auth_required
@blp.arguments(CreateTripIn())
@located("trips.get_trip", trip_id="id")
@blp.response(201, TripOut)
def create_trip(body: dict[str, Any]) -> Trip:
    """Publish a trip (vendors; admins may name the vendor)."""
    actor = current_actor()
    if not actor.is_admin:
        refuse_fields(body, ("vendor_id",))
    return trips.create_trip(body, actor=actor, uow=new_uow(), now=utcnow())


@blp.route("/<uuid:trip_id>", methods=["GET"])
@blp.doc(operationId="getTrip")
@blp.response(200, TripOut)
def get_trip(trip_id: UUID) -> Response:
    """One trip, active or archived (cached for 30 s; bookings and edits invalidate it)."""
    return cached_json(
        trip_key(services().cache, trip_id),
        TRIP_TTL,
        TripOut(),
        lambda: trips.get_trip(trip_id, uow=read_uow()),
    )


@blp.route("/<uuid:trip_id>", methods=["PUT"])
@blp.doc(operationId="updateTrip")
@auth_required
@blp.arguments(TripFieldsIn())
@blp.response(200, TripOut)
def update_trip(body: dict[str, Any], trip_id: UUID) -> Trip:
    """Edit a trip (its vendor or an admin)."""
    return trips.update_trip(trip_id, body, actor=current_actor(), uow=new_uow(), now=utcnow())


@blp.route("/<uuid:trip_id>", methods=["DELETE"])
@blp.doc(operationId="archiveTrip")
@auth_required
@blp.response(204)
def archive_trip(trip_id: UUID) -> None:
    """Archive a trip: no longer bookable; refused while it has confirmed bookings."""
    trips.archive_trip(trip_id, actor=current_actor(), uow=new_uow(), now=utcnow())
