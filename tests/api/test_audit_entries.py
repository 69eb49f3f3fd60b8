"""Each recorded action through HTTP: who acted, on what, what changed, from which request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from tests.api.audit_support import actor_of, audit_entries, by, the_entry
from tests.api.conftest import PASSWORD, Api
from tests.api.factories import BOOKINGS, PAYMENTS, TRIPS, book, book_paid, make_trip, payment_of
from travellr.application import jobs
from travellr.domain.audit import REDACTED
from travellr.infrastructure.db.uow import SqlUnitOfWork

USERS = "/api/v1/users"
SYSTEM = {"actor_id": None, "actor_role": "system"}
MID_MARCH = "2031-03-15T10:00:00Z"
AFTER_THE_TRIP = datetime(2031, 4, 1, tzinfo=UTC)


def _new_uow(app: Flask) -> Any:
    services = app.extensions["travellr"]
    return lambda: SqlUnitOfWork(services.session_factory, services.events)


def test_an_admin_renaming_a_user_records_user_updated_with_the_request(api: Api) -> None:
    admin, traveller = api.admin(), api.register(name="Ann")
    user_id = traveller["user"]["id"]

    response = api.client.put(
        f"{USERS}/{user_id}",
        json={"name": "Anna", "phone": "+15550001111"},
        headers={**Api.auth(admin), "X-Request-ID": "req-rename-1"},
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "user.updated", user_id)
    assert actor_of(entry) == by(admin, "admin")
    assert entry["subject_type"] == "user"
    assert entry["changes"] == {"name": ["Ann", "Anna"], "phone": [None, "+15550001111"]}
    assert entry["request_id"] == "req-rename-1"
    assert entry["ip"] == "127.0.0.1"
    assert entry["at"].endswith("Z")


def test_a_role_change_is_its_own_entry(api: Api) -> None:
    admin, traveller = api.admin(), api.register()
    user_id = traveller["user"]["id"]

    response = api.client.put(
        f"{USERS}/{user_id}",
        json={"role": "vendor", "name": "Now a vendor"},
        headers=api.auth(admin),
    )

    assert response.status_code == 200, response.get_json()
    role = the_entry(api, admin, "user.role_changed", user_id)
    assert actor_of(role) == by(admin, "admin")
    assert role["changes"] == {"role": ["traveler", "vendor"]}
    updated = the_entry(api, admin, "user.updated", user_id)
    assert updated["changes"] == {"name": ["Test User", "Now a vendor"]}


def test_an_admin_deactivating_a_user_records_it_and_the_pending_bookings_it_cancels(
    api: Api,
) -> None:
    admin, traveller = api.admin(), api.register()
    held = book(api, traveller, make_trip(api, api.register("vendor")))
    user_id = traveller["user"]["id"]

    response = api.client.put(
        f"{USERS}/{user_id}", json={"is_active": False}, headers=api.auth(admin)
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "user.deactivated", user_id)
    assert actor_of(entry) == by(admin, "admin")
    assert entry["changes"] == {"is_active": [True, False]}
    cancelled = the_entry(api, admin, "booking.cancelled", held["id"])
    assert actor_of(cancelled) == by(admin, "admin")
    assert cancelled["reason"] == "account deactivated"
    assert cancelled["changes"] == {
        "status": ["pending", "cancelled"],
        "refund_amount": [None, "0.00"],
    }
    assert audit_entries(api, admin, action="user.updated", subject_id=user_id) == []


def test_deleting_a_user_or_oneself_records_user_deactivated(api: Api) -> None:
    admin, removed, leaving = api.admin(), api.register(), api.register()

    assert (
        api.client.delete(f"{USERS}/{removed['user']['id']}", headers=api.auth(admin)).status_code
        == 204
    )
    assert api.client.delete(f"{USERS}/me", headers=api.auth(leaving)).status_code == 204

    by_admin = the_entry(api, admin, "user.deactivated", removed["user"]["id"])
    assert actor_of(by_admin) == by(admin, "admin")
    assert by_admin["changes"] == {"is_active": [True, False]}
    by_self = the_entry(api, admin, "user.deactivated", leaving["user"]["id"])
    assert actor_of(by_self) == by(leaving, "traveler")
    assert by_self["changes"] == {"is_active": [True, False]}


def test_a_password_change_is_recorded_without_the_password_or_its_hash(api: Api) -> None:
    admin, traveller = api.admin(), api.register()
    user_id = traveller["user"]["id"]

    response = api.client.put(
        f"{USERS}/me",
        json={"password": "An0ther-Secret!", "current_password": PASSWORD},
        headers=api.auth(traveller),
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "user.updated", user_id)
    assert actor_of(entry) == by(traveller, "traveler")
    assert entry["changes"] == {"password_hash": [REDACTED, REDACTED]}


def test_trips_created_updated_and_archived_are_recorded(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    trip = make_trip(api, vendor, title="Alps", price="150.00", capacity=10)

    changed = api.client.put(
        f"{TRIPS}/{trip['id']}", json={"price": "175.5", "title": "Alps"}, headers=api.auth(vendor)
    )
    archived = api.client.delete(f"{TRIPS}/{trip['id']}", headers=api.auth(admin))

    assert (changed.status_code, archived.status_code) == (200, 204)
    created = the_entry(api, admin, "trip.created", trip["id"])
    assert actor_of(created) == by(vendor, "vendor")
    assert created["subject_type"] == "trip"
    assert created["changes"]["title"] == [None, "Alps"]
    assert created["changes"]["price"] == [None, "150.00"]
    assert created["changes"]["capacity"] == [None, 10]
    assert created["changes"]["vendor_id"] == [None, vendor["user"]["id"]]
    assert created["changes"]["start_at"] == [None, trip["start_at"]]
    updated = the_entry(api, admin, "trip.updated", trip["id"])
    assert actor_of(updated) == by(vendor, "vendor")
    assert updated["changes"] == {"price": ["150.00", "175.50"]}
    archive = the_entry(api, admin, "trip.archived", trip["id"])
    assert actor_of(archive) == by(admin, "admin")
    assert archive["changes"] == {"status": ["active", "archived"]}


def test_a_cancellation_records_who_cancelled_and_the_refund(api: Api) -> None:
    admin, traveller = api.admin(), api.register()
    booking = book_paid(api, traveller, make_trip(api, api.register("vendor"), price="150.00"))

    response = api.client.post(
        f"{BOOKINGS}/{booking['id']}/cancel",
        json={"reason": "plans changed"},
        headers=api.auth(traveller),
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "booking.cancelled", booking["id"])
    assert actor_of(entry) == by(traveller, "traveler")
    assert entry["subject_type"] == "booking"
    assert entry["reason"] == "plans changed"
    assert entry["changes"] == {
        "status": ["confirmed", "cancelled"],
        "refund_amount": [None, "150.00"],
    }
    payment = payment_of(api, admin, booking)
    refund = the_entry(api, admin, "payment.refunded", payment["id"])
    assert actor_of(refund) == by(traveller, "traveler")
    assert refund["changes"]["status"] == ["succeeded", "refunded"]
    assert refund["changes"]["amount_refunded"] == ["0.00", "150.00"]


def test_a_refund_records_the_amount_refunded_and_the_refund(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    booking = book_paid(api, api.register(), make_trip(api, vendor, price="100.00"), seats=2)
    payment = payment_of(api, vendor, booking)

    response = api.client.post(
        f"{PAYMENTS}/{payment['id']}/refund",
        json={"amount": "30.00", "reason": "a late start"},
        headers=api.auth(vendor),
    )

    assert response.status_code == 201, response.get_json()
    entry = the_entry(api, admin, "payment.refunded", payment["id"])
    assert actor_of(entry) == by(vendor, "vendor")
    assert entry["subject_type"] == "payment"
    assert entry["reason"] == "a late start"
    assert entry["changes"] == {
        "status": ["succeeded", "partially_refunded"],
        "amount_refunded": ["0.00", "30.00"],
        "refund_id": [None, response.get_json()["id"]],
    }


def test_a_payout_records_its_creation_and_its_payment(api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    booking = book_paid(
        api, api.register(), make_trip(api, vendor, price="100.00", start_at=MID_MARCH, end_at=None)
    )
    _complete(api.app)

    response = api.client.post(
        f"/api/v1/vendors/{vendor['user']['id']}/payout",
        json={"period_start": "2031-03-01", "period_end": "2031-03-31"},
        headers=api.auth(admin),
    )

    assert response.status_code == 201, response.get_json()
    payout = response.get_json()
    completed = the_entry(api, admin, "booking.completed", booking["id"])
    assert actor_of(completed) == SYSTEM
    assert completed["changes"] == {"status": ["confirmed", "completed"]}
    created = the_entry(api, admin, "payout.created", payout["id"])
    assert actor_of(created) == by(admin, "admin")
    assert created["subject_type"] == "payout"
    assert created["changes"]["vendor_id"] == [None, vendor["user"]["id"]]
    assert created["changes"]["vendor_amount"] == [None, "80.00"]
    assert created["changes"]["platform_fee"] == [None, "20.00"]
    assert created["changes"]["booking_count"] == [None, 1]
    assert created["changes"]["period_start"] == [None, "2031-03-01"]
    paid = the_entry(api, admin, "payout.paid", payout["id"])
    assert actor_of(paid) == by(admin, "admin")
    assert paid["changes"] == {
        "status": ["pending", "paid"],
        "provider_ref": [None, payout["provider_ref"]],
    }


def test_the_scheduled_jobs_record_their_changes_as_the_system(app: Flask, api: Api) -> None:
    admin, vendor = api.admin(), api.register("vendor")
    held = book(api, api.register(), make_trip(api, vendor))
    book_paid(
        api, api.register(), make_trip(api, vendor, price="100.00", start_at=MID_MARCH, end_at=None)
    )
    later = datetime.now(UTC) + timedelta(hours=1)
    services = app.extensions["travellr"]

    overdue = services.job_queries.overdue_pending(later)
    assert jobs.expire_bookings(overdue, new_uow=_new_uow(app), now=later) == 1
    _complete(app)
    paid = jobs.pay_vendors(
        services.job_queries.vendors_with_takings(),
        new_uow=_new_uow(app),
        gateway=services.payouts,
        commission=services.commission,
        today=AFTER_THE_TRIP.date(),
        now=AFTER_THE_TRIP,
    )

    assert paid == 1
    expired = the_entry(api, admin, "booking.expired", held["id"])
    assert actor_of(expired) == SYSTEM
    assert expired["changes"] == {"status": ["pending", "expired"]}
    assert expired["request_id"] is None
    (created,) = audit_entries(api, admin, action="payout.created")
    assert actor_of(created) == SYSTEM
    assert created["changes"]["vendor_amount"] == [None, "80.00"]


def test_a_traveller_changing_a_pending_booking_records_booking_updated(api: Api) -> None:
    admin, traveller = api.admin(), api.register()
    booking = book(api, traveller, make_trip(api, api.register("vendor"), price="50.00"))

    response = api.client.put(
        f"{BOOKINGS}/{booking['id']}", json={"seats": 3}, headers=api.auth(traveller)
    )

    assert response.status_code == 200, response.get_json()
    entry = the_entry(api, admin, "booking.updated", booking["id"])
    assert actor_of(entry) == by(traveller, "traveler")
    assert entry["changes"] == {"seats": [1, 3], "total_price": ["50.00", "150.00"]}


def _complete(app: Flask) -> None:
    finished = app.extensions["travellr"].job_queries.finished_confirmed(AFTER_THE_TRIP)
    assert jobs.complete_bookings(finished, new_uow=_new_uow(app), now=AFTER_THE_TRIP) >= 1
