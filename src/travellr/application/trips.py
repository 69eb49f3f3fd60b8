"""What vendors sell: publishing, editing and archiving trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.queries import (
    ListQueries,
    ManagedTripFilters,
    Page,
    PageRequest,
    TripFilters,
)
from travellr.application.ports.reports import Reports
from travellr.domain.actors import Actor, Role
from travellr.domain.audit import AuditAction, created, diff, fields_of
from travellr.domain.errors import Forbidden, NotFound, RuleViolated
from travellr.domain.money import SETTLEMENT_CURRENCY, Money
from travellr.domain.trips import Trip, TripChanges

EDITABLE = tuple(TripChanges.__annotations__)


class CurrencyNotSupported(RuleViolated):
    code = "currency_not_supported"
    title = "Trips are priced in the currency the platform settles in"


class VendorRequired(RuleViolated):
    code = "vendor_required"
    title = "An admin publishing a trip names its vendor"


class NotAVendor(RuleViolated):
    code = "not_a_vendor"
    title = "A trip belongs to an active vendor"


def create_trip(fields: dict[str, Any], *, actor: Actor, uow: UnitOfWork, now: datetime) -> Trip:
    """Publish a trip: vendors sell their own; an admin names the active vendor who sells it."""
    if not (actor.is_vendor or actor.is_admin):
        raise Forbidden("only vendors and admins publish trips")
    fields = dict(fields)
    vendor_id: UUID | None = fields.pop("vendor_id", None)
    if actor.is_admin and vendor_id is None:
        raise VendorRequired(
            "an admin must name the trip's vendor",
            errors={"vendor_id": ["Required when an admin publishes a trip."]},
        )
    vendor_id = vendor_id or actor.user_id
    price = Money(Decimal(fields.pop("price")), fields.pop("currency", SETTLEMENT_CURRENCY))
    _check_currency(price.currency)
    with uow:
        if actor.is_admin or vendor_id != actor.user_id:  # an admin is never a trip's vendor
            vendor = uow.users.get(vendor_id)
            if vendor is None or vendor.role is not Role.VENDOR or not vendor.is_active:
                raise NotAVendor(
                    "vendor_id is not an active vendor",
                    errors={"vendor_id": ["Not an active vendor."]},
                )
        trip = Trip.create(vendor_id=vendor_id, price=price, now=now, **fields)
        uow.trips.add(trip)
        uow.audit.record(
            actor,
            AuditAction.TRIP_CREATED,
            "trip",
            trip.id,
            now=now,
            changes=created(fields_of(trip, ("vendor_id", "status", *EDITABLE))),
        )
        uow.commit()
    return trip


def get_trip(trip_id: UUID, *, uow: UnitOfWork) -> Trip:
    """Any trip, active or archived: trips are public."""
    with uow:
        trip = uow.trips.get(trip_id)
    if trip is None:
        raise NotFound("no such trip")
    return trip


def list_trips(
    filters: TripFilters, page: PageRequest, *, queries: ListQueries, now: datetime
) -> Page:
    """Active trips of active vendors, soonest first: trips are public."""
    return queries.trips(filters, page, now=now)


def managed_trip(trip_id: UUID, *, actor: Actor, uow: UnitOfWork) -> Trip:
    """A trip as its vendor or an admin manages it; another vendor is not told it exists."""
    trip = get_trip(trip_id, uow=uow)
    if not (actor.is_admin or trip.vendor_id == actor.user_id):
        raise NotFound("no such trip")
    return trip


def list_managed_trips(
    filters: ManagedTripFilters,
    page: PageRequest,
    *,
    actor: Actor,
    queries: ListQueries,
    reports: Reports,
) -> Page:
    """Trips as their vendor manages them, archived ones too: a vendor's own; an admin's, any
    vendor's or, with `vendor_id`, one vendor's. Naming another vendor (or a user who is not
    one) is 404, as for the vendor's balance and payouts."""
    if actor.is_vendor and filters.vendor_id in (None, actor.user_id):
        filters = replace(filters, vendor_id=actor.user_id)
    elif not actor.is_admin or (
        filters.vendor_id is not None and not reports.is_vendor(filters.vendor_id)
    ):
        raise NotFound("no such vendor")
    return queries.managed_trips(filters, page)


def update_trip(
    trip_id: UUID, changes: dict[str, Any], *, actor: Actor, uow: UnitOfWork, now: datetime
) -> Trip:
    """Edit a trip; its capacity never drops below the seats already held, and its open
    bookings follow a new start (a booking's `trip_date` is its trip's start)."""
    if "currency" in changes:
        _check_currency(changes["currency"])
    moving = "start_at" in changes
    with uow:
        if moving:  # bookings are locked before their trip, as in every use case
            uow.bookings.open_of_trip_for_update(trip_id)
        trip = _owned_trip_for_update(trip_id, actor, uow)
        before = fields_of(trip, EDITABLE)
        trip.update(now=now, **changes)
        changed = diff(before, fields_of(trip, EDITABLE))
        if changed:
            uow.audit.record(
                actor, AuditAction.TRIP_UPDATED, "trip", trip.id, now=now, changes=changed
            )
        if moving:  # again, with those placed while this waited for the trip's lock
            for booking in uow.bookings.open_of_trip_for_update(trip.id):
                booking.follow(trip, now)
        uow.commit()
    return trip


def archive_trip(trip_id: UUID, *, actor: Actor, uow: UnitOfWork, now: datetime) -> None:
    """Withdraw a trip from sale, unless travellers hold confirmed seats on it or are being
    charged for some."""
    with uow:
        trip = _owned_trip_for_update(trip_id, actor, uow)
        paid_for = uow.trips.has_confirmed_or_paying_bookings(trip.id)
        before = trip.status
        trip.archive(has_confirmed_bookings=paid_for, now=now)
        uow.audit.record(
            actor,
            AuditAction.TRIP_ARCHIVED,
            "trip",
            trip.id,
            now=now,
            changes={"status": [before, trip.status]},
        )
        uow.commit()


def _owned_trip_for_update(trip_id: UUID, actor: Actor, uow: UnitOfWork) -> Trip:
    trip = uow.trips.get_for_update(trip_id)
    if trip is None:
        raise NotFound("no such trip")
    if not (actor.is_admin or trip.vendor_id == actor.user_id):
        raise Forbidden("only the trip's vendor or an admin may change it")
    return trip


def _check_currency(currency: str) -> None:
    """Payouts, balances and analytics add up takings in the settlement currency: a trip
    priced in another would be counted as if it were that one."""
    if currency != SETTLEMENT_CURRENCY:
        raise CurrencyNotSupported(
            f"trips are priced in {SETTLEMENT_CURRENCY}",
            errors={"currency": [f"Must be {SETTLEMENT_CURRENCY}."]},
        )
