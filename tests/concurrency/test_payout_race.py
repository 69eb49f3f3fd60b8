"""Racing to pay one vendor, across gunicorn worker processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.concurrency.conftest import Reply, Request, Travellr, race, statuses
from tests.conftest import requires_postgres
from travellr.application.payouts import complete_booking
from travellr.infrastructure.db.engine import make_engine, make_session_factory
from travellr.infrastructure.db.ledger import check_books
from travellr.infrastructure.db.mapping import map_domain
from travellr.infrastructure.db.uow import SqlUnitOfWork

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

RACERS = 20
BOOKINGS = 5


@pytest.fixture(scope="module")
def sessions(travellr: Travellr) -> Iterator[sessionmaker[Session]]:
    """Sessions on the server's database, for the scheduler's use case the API does not expose."""
    map_domain()
    engine = make_engine(travellr.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def _vendor_with_completed_bookings(
    travellr: Travellr, sessions: sessionmaker[Session]
) -> tuple[dict[str, Any], list[str], dict[str, str]]:
    """A vendor, its completed bookings (100.00 each) and the payout period that holds them."""
    vendor = travellr.register("vendor")
    trip_id = travellr.trip(vendor, capacity=BOOKINGS)
    booked = [
        travellr.book(traveller, trip_id, payment_method="pm_card_visa")
        for traveller in travellr.travellers(BOOKINGS)
    ]
    assert {booking["status"] for booking in booked} == {"confirmed"}
    after_the_trip = datetime.now(UTC) + timedelta(days=31)
    for booking in booked:
        complete_booking(uuid.UUID(booking["id"]), uow=SqlUnitOfWork(sessions), now=after_the_trip)
    today = datetime.now(UTC).date()
    period = {
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=60)).isoformat(),
    }
    return vendor, [str(booking["id"]) for booking in booked], period


def _assert_paid_once(travellr: Travellr, vendor: dict[str, Any], bookings: list[str]) -> str:
    """One paid payout row for the vendor, each booking linked to it exactly once; its id."""
    payouts = travellr.rows(
        "SELECT id, status, booking_count, vendor_amount FROM payouts WHERE vendor_id = :v",
        v=vendor["user"]["id"],
    )
    assert [(p.status, p.booking_count, p.vendor_amount) for p in payouts] == [
        ("paid", BOOKINGS, BOOKINGS * 8000)  # 80 % of 100.00, in cents
    ]
    items = travellr.rows(
        "SELECT booking_id, count(*) AS times FROM payout_items WHERE payout_id = :p "
        "GROUP BY booking_id",
        p=payouts[0].id,
    )
    assert sorted(str(item.booking_id) for item in items) == sorted(bookings)
    assert {item.times for item in items} == {1}
    with travellr.db.connect() as connection:
        assert check_books(connection) == []
    return str(payouts[0].id)


def _payout_requests(
    vendor: dict[str, Any], admin: dict[str, Any], period: dict[str, str], key: str | None
) -> list[Request]:
    headers = {"Idempotency-Key": key} if key else {}
    path = f"/api/v1/vendors/{vendor['user']['id']}/payout"
    return [("POST", path, admin, {"json": period, "headers": headers})] * RACERS


def test_twenty_payouts_of_one_vendor_at_once_pay_it_once(
    travellr: Travellr, sessions: sessionmaker[Session]
) -> None:
    """An admin asks twenty times at once to pay one vendor's five completed bookings.

    pay_vendor locks the vendor's row first (`SELECT ... FOR UPDATE`), then totals the
    period's unpaid bookings. With the lock the requests queue: the first commits a pending
    payout of all five and transfers it; one that arrives while that transfer is in flight
    finds the pending payout, transfers it under the same idempotency key and answers 201
    with that same payout; one that arrives after finds nothing left and a payout for that
    very period, and answers 422 nothing_to_pay. Without the lock (tried by making
    users.get_for_update a plain get, with eight threads calling pay_vendor on PostgreSQL)
    every request totals the same five
    bookings; the payout_items primary key still lets only one link them, but the losers
    fail with an uncaught IntegrityError (500) or a generic 409 `conflict`, never
    nothing_to_pay, so this test would fail.
    """
    requires_postgres()
    vendor, bookings, period = _vendor_with_completed_bookings(travellr, sessions)
    admin = travellr.admin()

    replies = race(travellr.server, _payout_requests(vendor, admin, period, key=None))

    assert set(statuses(replies)) <= {201, 422}, statuses(replies)
    assert {r.body["code"] for r in replies if r.status == 422} <= {"nothing_to_pay"}
    paid = [r.body for r in replies if r.status == 201]
    assert paid, "nobody was paid"
    assert {p["id"] for p in paid} == {paid[0]["id"]}, "more than one payout"
    assert paid[0]["booking_count"] == BOOKINGS
    assert _assert_paid_once(travellr, vendor, bookings) == paid[0]["id"]


def test_twenty_payouts_under_one_idempotency_key_pay_once_and_replay_that_payout(
    travellr: Travellr, sessions: sessionmaker[Session]
) -> None:
    """The same twenty requests, all with one Idempotency-Key.

    The first to claim the key runs; a request arriving while it runs gets 409
    idempotency_key_in_flight, one arriving after it gets the stored 201 replayed (same
    payout id, `Idempotent-Replayed: true`). Either way the vendor is paid once.
    """
    requires_postgres()
    vendor, bookings, period = _vendor_with_completed_bookings(travellr, sessions)
    admin = travellr.admin()
    key = f"payout-{uuid.uuid4().hex}"

    replies = race(travellr.server, _payout_requests(vendor, admin, period, key=key))

    assert set(statuses(replies)) <= {201, 409}, statuses(replies)
    ran = [r for r in replies if r.status == 201 and not _replayed(r)]
    assert len(ran) == 1, statuses(replies)
    payout_id = ran[0].body["id"]
    assert {r.body["id"] for r in replies if r.status == 201} == {payout_id}
    assert {r.body["code"] for r in replies if r.status == 409} <= {"idempotency_key_in_flight"}
    assert _assert_paid_once(travellr, vendor, bookings) == payout_id
    late = travellr.call(
        "POST",
        f"/api/v1/vendors/{vendor['user']['id']}/payout",
        admin,
        json=period,
        headers={"Idempotency-Key": key},
    )
    assert (late.status, late.body["id"], _replayed(late)) == (201, payout_id, True)


def _replayed(reply: Reply) -> bool:
    return reply.headers.get("Idempotent-Replayed") == "true"
