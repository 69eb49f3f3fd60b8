"""Racing for seats, and racing one Idempotency-Key, across gunicorn worker processes."""

from __future__ import annotations

import uuid

import pytest

from tests.concurrency.conftest import Request, Travellr, race, statuses
from tests.conftest import requires_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ACTIVE = "('pending', 'confirmed')"


def test_fifty_travellers_racing_for_the_last_five_seats_get_exactly_five(
    travellr: Travellr,
) -> None:
    """50 travellers book 1 seat each, at once, on a trip of 10 seats with 5 already taken.

    place_booking reads the trip, checks seats_left and writes seats_taken + n. Without the
    row lock (`SELECT ... FOR UPDATE` on the trip, in trips.get_for_update) the four worker
    processes would each read seats_taken = 5 in their own transaction, each see 5 seats left
    and each write back an absolute seats_taken computed from that stale read: every booking
    is inserted, the counter loses updates, and the `seats_taken <= capacity` check never
    fires because no single write exceeds it. With 50 requests over 4 workers, 4 transactions
    overlap at every step, so far more than 5 bookings would be created. With the lock the
    readers queue on the row and each sees the seats its predecessor took.
    """
    requires_postgres()
    vendor = travellr.register("vendor")
    trip_id = travellr.trip(vendor, capacity=10)
    travellr.book(travellr.register(), trip_id, seats=5)
    travellers = travellr.travellers(50)

    replies = race(
        travellr.server,
        [("POST", "/api/v1/bookings", t, {"json": {"trip_id": trip_id}}) for t in travellers],
    )

    assert statuses(replies) == {201: 5, 409: 45}, statuses(replies)
    assert {r.body["code"] for r in replies if r.status == 409} == {"sold_out"}
    assert travellr.call("GET", f"/api/v1/trips/{trip_id}").body["seats_left"] == 0
    held = travellr.scalar(
        f"SELECT sum(seats) FROM bookings WHERE trip_id = :t AND status IN {ACTIVE}", t=trip_id
    )
    assert held == 10
    assert travellr.scalar("SELECT seats_taken FROM trips WHERE id = :t", t=trip_id) == 10
    assert travellr.scalar("SELECT count(*) FROM bookings WHERE trip_id = :t", t=trip_id) == 6


def test_one_idempotency_key_sent_ten_times_at_once_books_once(travellr: Travellr) -> None:
    """The same POST /bookings with the same Idempotency-Key, ten times at once.

    The key is claimed by inserting its row (primary key: user, key) before the booking runs;
    `INSERT ... ON CONFLICT DO NOTHING` makes a concurrent second insert wait for the first
    transaction and then insert nothing, so exactly one request runs the use case and the
    others replay its stored response (201, `Idempotent-Replayed: true`) or, while it still
    runs, get 409. Were the claim a look-up followed by an insert without that key (or were
    the keys in each worker's memory), two workers would both find no key, both run
    place_booking and create two bookings (the trip has room for both, so no other guard
    would stop it).
    """
    requires_postgres()
    vendor = travellr.register("vendor")
    trip_id = travellr.trip(vendor, capacity=100)
    traveller = travellr.register()
    key = f"race-{uuid.uuid4().hex}"
    body = {"trip_id": trip_id, "seats": 2, "notes": "once only"}
    request: Request = (
        "POST",
        "/api/v1/bookings",
        traveller,
        {"json": body, "headers": {"Idempotency-Key": key}},
    )

    replies = race(travellr.server, [request] * 10)

    assert set(statuses(replies)) <= {201, 409}, statuses(replies)
    created = [r for r in replies if r.status == 201]
    originals = [r for r in created if r.headers.get("Idempotent-Replayed") != "true"]
    assert len(originals) == 1, statuses(replies)
    assert {r.body["id"] for r in created} == {originals[0].body["id"]}
    in_flight = {r.body.get("code") for r in replies if r.status == 409}
    assert in_flight <= {"idempotency_key_in_flight"}
    user_id = traveller["user"]["id"]
    assert travellr.scalar("SELECT count(*) FROM bookings WHERE user_id = :u", u=user_id) == 1
    assert travellr.scalar("SELECT seats_taken FROM trips WHERE id = :t", t=trip_id) == 2

    replay = travellr.call("POST", "/api/v1/bookings", traveller, **request[3])
    assert replay.status == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.body["id"] == originals[0].body["id"]
