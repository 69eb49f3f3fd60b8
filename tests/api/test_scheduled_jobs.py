"""The scheduled jobs on fixtures with known answers, at their boundary times, and run twice."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, update

from tests.api.conftest import Api
from tests.api.factories import book, book_paid, get_trip, make_trip
from tests.api.test_payouts import TimingOutAfterSending
from travellr.application import jobs
from travellr.application.cached_reads import forget_analytics
from travellr.domain.errors import PaymentGatewayError
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.jobs import JOB_RUNS_KEPT
from travellr.infrastructure.db.ledger import check_books
from travellr.infrastructure.db.uow import SqlUnitOfWork

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def _new_uow(app: Flask) -> Callable[[], SqlUnitOfWork]:
    services = app.extensions["travellr"]
    return lambda: services.new_uow()


def _set(app: Flask, table: Any, row_id: str, **values: Any) -> None:
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == UUID(row_id)).values(**values))


def _status(api: Api, account: dict[str, Any], booking: dict[str, Any]) -> str:
    response = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=api.auth(account))
    return str(response.get_json()["status"])


def _expire(app: Flask) -> int:
    overdue = app.extensions["travellr"].job_queries.overdue_pending(NOW)
    return jobs.expire_bookings(overdue, new_uow=_new_uow(app), now=NOW)


def _complete(app: Flask) -> int:
    finished = app.extensions["travellr"].job_queries.finished_confirmed(NOW)
    return jobs.complete_bookings(finished, new_uow=_new_uow(app), now=NOW)


def _pay(app: Flask, today: date | None = None) -> int:
    services = app.extensions["travellr"]
    vendors = services.job_queries.vendors_with_takings()
    return jobs.pay_vendors(
        vendors,
        new_uow=_new_uow(app),
        gateway=services.payouts,
        commission=services.commission,
        today=today or NOW.date(),
        now=NOW,
    )


def test_expiry_releases_holds_that_ran_out_and_keeps_the_others(app: Flask, api: Api) -> None:
    traveller = api.register()
    trip = make_trip(
        api, api.register("vendor"), capacity=10, start_at=(NOW + timedelta(days=9)).isoformat()
    )
    ran_out = book(api, traveller, trip, seats=3)
    at_the_second = book(api, traveller, trip, seats=2)
    still_held = book(api, traveller, trip, seats=1)
    paid = book_paid(api, traveller, trip, seats=1)
    _set(app, tables.bookings, ran_out["id"], expires_at=NOW - timedelta(seconds=1))
    _set(app, tables.bookings, at_the_second["id"], expires_at=NOW)
    _set(app, tables.bookings, still_held["id"], expires_at=NOW + timedelta(seconds=1))
    _set(app, tables.bookings, paid["id"], expires_at=NOW - timedelta(days=1))

    assert _expire(app) == 2
    assert _expire(app) == 0

    statuses = [_status(api, traveller, b) for b in (ran_out, at_the_second, still_held, paid)]
    assert statuses == ["expired", "expired", "pending", "confirmed"]
    assert get_trip(api, trip)["seats_left"] == 10 - 1 - 1


def _charge_in_flight(app: Flask, traveller: dict[str, Any], booking: dict[str, Any]) -> None:
    """A pending payment for the booking, as a charge whose answer never came back leaves it."""
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(
            insert(tables.payments).values(
                id=uuid4(),
                booking_id=UUID(booking["id"]),
                user_id=UUID(traveller["user"]["id"]),
                vendor_id=UUID(booking["vendor_id"]),
                amount=booking["total_price"],
                currency="USD",
                status="pending",
                amount_refunded=0,
                provider="mock",
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_expiry_waits_for_a_charge_in_flight(app: Flask, api: Api) -> None:
    traveller = api.register()
    booking = book(api, traveller, make_trip(api, api.register("vendor")))
    _charge_in_flight(app, traveller, booking)
    _set(app, tables.bookings, booking["id"], expires_at=NOW - timedelta(minutes=1))

    assert _expire(app) == 0
    assert _status(api, traveller, booking) == "pending"


def test_charges_in_flight_do_not_hold_up_the_expiry_of_others(app: Flask, api: Api) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register("vendor"))
    charging, unpaid = book(api, traveller, trip), book(api, traveller, trip)
    _charge_in_flight(app, traveller, charging)
    _set(app, tables.bookings, charging["id"], expires_at=NOW - timedelta(hours=1))
    _set(app, tables.bookings, unpaid["id"], expires_at=NOW - timedelta(minutes=1))

    batch = app.extensions["travellr"].job_queries.overdue_pending(NOW, limit=1)

    assert batch == [UUID(unpaid["id"])]
    assert jobs.expire_bookings(batch, new_uow=_new_uow(app), now=NOW) == 1
    assert [_status(api, traveller, b) for b in (charging, unpaid)] == ["pending", "expired"]


def _trip_that_ended(
    app: Flask, api: Api, vendor: dict[str, Any], ended: datetime, price: str = "62.50"
) -> dict[str, Any]:
    trip = make_trip(api, vendor, price=price)
    return trip | {"ended": ended}


def _end_trip(app: Flask, trip: dict[str, Any], bookings: list[dict[str, Any]]) -> None:
    start = trip["ended"] - timedelta(days=2)
    _set(app, tables.trips, trip["id"], start_at=start, end_at=trip["ended"])
    for booking in bookings:
        _set(app, tables.bookings, booking["id"], trip_date=start)


def test_completion_takes_trips_that_ended_by_now_and_posts_the_ledger(
    app: Flask, api: Api
) -> None:
    vendor, traveller = api.register("vendor"), api.register()
    ended = _trip_that_ended(app, api, vendor, NOW)
    not_yet = _trip_that_ended(app, api, vendor, NOW + timedelta(seconds=1))
    done = book_paid(api, traveller, ended)
    waiting = book_paid(api, traveller, not_yet)
    unpaid = book(api, traveller, ended)
    _end_trip(app, ended, [done, unpaid])
    _end_trip(app, not_yet, [waiting])

    assert _complete(app) == 1
    assert _complete(app) == 0

    assert [_status(api, traveller, b) for b in (done, waiting, unpaid)] == [
        "completed",
        "confirmed",
        "pending",
    ]
    with app.extensions["travellr"].engine.connect() as connection:
        assert check_books(connection) == []
    balance = api.client.get(
        f"/api/v1/vendors/{vendor['user']['id']}/balance", headers=api.auth(vendor)
    ).get_json()
    assert balance["available"] == "50.00"


def test_scheduled_payouts_pay_vendors_at_the_minimum_once(app: Flask, api: Api) -> None:
    at_minimum, under_minimum = api.register("vendor"), api.register("vendor")
    traveller = api.register()
    for vendor, price in ((at_minimum, "62.50"), (under_minimum, "62.49")):
        trip = _trip_that_ended(app, api, vendor, NOW - timedelta(hours=1), price=price)
        _end_trip(app, trip, [book_paid(api, traveller, trip)])
    _complete(app)

    assert _pay(app) == 1
    assert _pay(app) == 0

    payouts = tables.payouts.c
    with app.extensions["travellr"].engine.connect() as connection:
        paid = connection.execute(select(payouts.vendor_id, payouts.vendor_amount)).all()
        assert check_books(connection) == []
    assert [(str(v), str(a)) for v, a in paid] == [(at_minimum["user"]["id"], "50.00")]


def test_purge_deletes_only_what_has_expired(app: Flask, api: Api) -> None:
    user_id = UUID(api.register()["user"]["id"])
    engine = app.extensions["travellr"].engine
    with engine.begin() as connection:
        connection.execute(delete(tables.rate_limit_counters))  # the registration's own counts
        for key, expires in (
            ("old", NOW - timedelta(seconds=1)),
            ("new", NOW + timedelta(hours=1)),
        ):
            connection.execute(
                insert(tables.idempotency_keys).values(
                    user_id=user_id, key=key, fingerprint="f", created_at=NOW, expires_at=expires
                )
            )
            connection.execute(insert(tables.revoked_tokens).values(jti=key, expires_at=expires))
            connection.execute(
                insert(tables.rate_limit_counters).values(
                    key=key, window_start=1, count=1, expires_at=expires
                )
            )
        for started in (NOW - JOB_RUNS_KEPT, NOW - timedelta(days=29)):
            connection.execute(
                insert(tables.job_runs).values(
                    job="purge", started_at=started, outcome="succeeded", runner="test"
                )
            )

    purged = app.extensions["travellr"].job_queries.purge_expired(NOW)

    assert purged == {
        "idempotency_keys": 1,
        "revoked_tokens": 1,
        "rate_limit_counters": 1,
        "job_runs": 1,
    }
    with engine.connect() as connection:
        for table in ("idempotency_keys", "revoked_tokens", "rate_limit_counters", "job_runs"):
            left = connection.scalar(
                select(func.count()).select_from(tables.metadata.tables[table])
            )
            assert left == 1


def test_each_job_run_twice_at_once_changes_nothing_the_second_time(app: Flask, api: Api) -> None:
    vendor, traveller = api.register("vendor"), api.register()
    trip = _trip_that_ended(app, api, vendor, NOW - timedelta(hours=1), price="100.00")
    paid = [book_paid(api, traveller, trip) for _ in range(3)]
    _end_trip(app, trip, paid)
    held = make_trip(api, vendor, capacity=4, start_at=(NOW + timedelta(days=5)).isoformat())
    for _ in range(4):
        pending = book(api, traveller, held)
        _set(app, tables.bookings, pending["id"], expires_at=NOW - timedelta(minutes=1))

    for job, expected in ((_expire, 4), (_complete, 3), (_pay, 1)):
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = [pool.submit(job, app) for _ in range(2)]
            done = [run.result() for run in runs]
        # Overlapping runs may share the work, but never do any of it twice (a payout run
        # that finds the other's transfer in flight completes that same payout).
        assert expected <= sum(done) <= (2 if job is _pay else expected), job.__name__
        assert job(app) == 0, job.__name__

    assert get_trip(api, held)["seats_left"] == 4
    with app.extensions["travellr"].engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(tables.payouts)) == 1
        assert connection.scalar(select(func.count()).select_from(tables.payout_items)) == 3
        assert check_books(connection) == []


def _archive(app: Flask, older_than: datetime) -> int:
    return app.extensions["travellr"].job_queries.archive_bookings(older_than=older_than, now=NOW)


def test_archive_moves_old_unpaid_bookings_and_admins_still_see_them(app: Flask, api: Api) -> None:
    traveller, admin = api.register(), api.admin()
    trip = make_trip(api, api.register("vendor"), start_at=(NOW + timedelta(days=9)).isoformat())
    cutoff = NOW - timedelta(days=365)
    old_cancelled = book(api, traveller, trip)
    old_paid = book_paid(api, traveller, trip)
    for booking in (old_cancelled, old_paid):
        cancel = api.client.post(
            f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=api.auth(traveller)
        )
        assert cancel.status_code == 200
    just_in_time = book(api, traveller, trip)
    api.client.post(
        f"/api/v1/bookings/{just_in_time['id']}/cancel", json={}, headers=api.auth(traveller)
    )
    _set(app, tables.bookings, old_cancelled["id"], updated_at=cutoff - timedelta(seconds=1))
    _set(app, tables.bookings, old_paid["id"], updated_at=cutoff - timedelta(days=1))
    _set(app, tables.bookings, just_in_time["id"], updated_at=cutoff)
    analytics = "/api/v1/admin/analytics"
    before = api.client.get(analytics, headers=api.auth(admin)).get_json()["bookings"]

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(_archive, app, cutoff) for _ in range(2)]
        assert sum(run.result() for run in runs) == 1

    def listed(archived: bool) -> list[str]:
        response = api.client.get(
            "/api/v1/admin/bookings",
            headers=api.auth(admin),
            query_string={"archived": archived, "limit": 100},
        )
        return [item["id"] for item in response.get_json()["items"]]

    assert listed(archived=True) == [old_cancelled["id"]]
    assert old_cancelled["id"] not in listed(archived=False)
    assert {old_paid["id"], just_in_time["id"]} <= set(listed(archived=False))
    forget_analytics(app.extensions["travellr"].cache)  # read the figures afresh
    after = api.client.get(analytics, headers=api.auth(admin)).get_json()["bookings"]
    assert after == before
    assert after["by_status"]["cancelled"] == 3


class DiesAfterSending:
    """A payout provider that takes the first transfer, and then the worker dies."""

    name = "dies"

    def __init__(self) -> None:
        self.transfers: dict[str, str] = {}

    def transfer(
        self, *, vendor_id: UUID, account: str | None, amount: Any, idempotency_key: str
    ) -> str:
        first = not self.transfers
        reference = self.transfers.setdefault(idempotency_key, f"tr_{len(self.transfers)}")
        if first:
            raise SystemExit("SIGKILL")  # the process is gone before it hears the answer
        return reference


def _a_completed_booking_of_100(app: Flask, api: Api) -> None:
    vendor, traveller = api.register("vendor"), api.register()
    trip = _trip_that_ended(app, api, vendor, NOW - timedelta(hours=1), price="100.00")
    _end_trip(app, trip, [book_paid(api, traveller, trip)])
    _complete(app)


def test_a_payout_run_killed_mid_transfer_pays_once_when_run_again(app: Flask, api: Api) -> None:
    _a_completed_booking_of_100(app, api)
    provider = DiesAfterSending()
    app.extensions["travellr"].payouts = provider

    with contextlib.suppress(SystemExit):
        _pay(app)
    assert _pay(app) == 1

    assert len(provider.transfers) == 1, "the retry sent a second transfer"
    payouts = tables.payouts.c
    with app.extensions["travellr"].engine.connect() as connection:
        rows = connection.execute(select(payouts.status, payouts.provider_ref)).all()
        assert check_books(connection) == []
    (reference,) = provider.transfers.values()
    assert [(str(status), ref) for status, ref in rows] == [("paid", reference)]


def test_a_payout_left_pending_is_transferred_again_by_the_next_days_run(
    app: Flask, api: Api
) -> None:
    _a_completed_booking_of_100(app, api)
    provider = TimingOutAfterSending()
    app.extensions["travellr"].payouts = provider

    assert _pay(app) == 0  # the answer was lost: the payout stays pending
    assert _pay(app, today=NOW.date() + timedelta(days=1)) == 1
    assert provider.keys[0] == provider.keys[1], "the retry must reuse the payout's key"
    payouts = tables.payouts.c
    with app.extensions["travellr"].engine.connect() as connection:
        rows = connection.execute(select(payouts.status, payouts.vendor_amount)).all()
        assert check_books(connection) == []
    assert [(str(status), str(amount)) for status, amount in rows] == [("paid", "80.00")]


class Unreachable:
    """The card processor cannot be reached: nothing is charged, nothing will call back."""

    name = "mock"

    def charge(self, **_: Any) -> Any:
        raise PaymentGatewayError("could not connect to the payment provider")


class AnswerLostOnce:
    """Charges through the given gateway, but the first answer is lost on its way back."""

    def __init__(self, gateway: Any) -> None:
        self.gateway, self.name = gateway, gateway.name
        self.keys: list[str] = []

    def charge(self, **charge: Any) -> Any:
        self.keys.append(charge["idempotency_key"])
        result = self.gateway.charge(**charge)
        if len(self.keys) == 1:
            raise PaymentGatewayError("timed out waiting for the payment provider")
        return result


def _retry_charges(app: Flask, gateway: Any, at: datetime) -> int:
    stale = app.extensions["travellr"].job_queries.stale_charges(
        attempted_before=at - jobs.CHARGE_ANSWER_WAIT,
        attempted_after=at - jobs.CHARGE_RETRY_WINDOW,
    )
    return jobs.retry_stale_charges(stale, new_uow=_new_uow(app), gateway=gateway, now=at)


def _book_and_pay(api: Api, traveller: dict[str, Any], trip: dict[str, Any], method: str) -> Any:
    body = {"trip_id": trip["id"], "payment_method": method}
    return api.client.post("/api/v1/bookings", json=body, headers=api.auth(traveller))


@pytest.mark.parametrize(
    ("method", "settled", "after_the_hold"),
    [("pm_card_visa", "confirmed", "confirmed"), ("pm_card_chargeDeclined", "pending", "expired")],
)
def test_a_charge_that_never_reached_the_provider_is_sent_again_and_settled(
    app: Flask, api: Api, method: str, settled: str, after_the_hold: str
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register("vendor"), capacity=1)
    services = app.extensions["travellr"]
    provider, services.gateway = services.gateway, Unreachable()
    assert _book_and_pay(api, traveller, trip, method).status_code == 502
    (booking,) = api.client.get("/api/v1/bookings", headers=api.auth(traveller)).get_json()["items"]
    services.gateway = provider
    now = datetime.now(UTC)

    assert _retry_charges(app, provider, at=now) == 0  # its answer may still be on the way
    assert _retry_charges(app, provider, at=now + timedelta(minutes=10)) == 1

    assert _status(api, traveller, booking) == settled
    _set(app, tables.bookings, booking["id"], expires_at=NOW - timedelta(minutes=1))
    _expire(app)
    assert _status(api, traveller, booking) == after_the_hold
    assert get_trip(api, trip)["seats_left"] == (0 if after_the_hold == "confirmed" else 1)
    with app.extensions["travellr"].engine.connect() as connection:
        assert check_books(connection) == []


def test_a_charge_whose_answer_was_lost_is_settled_under_the_same_key(app: Flask, api: Api) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register("vendor"))
    services = app.extensions["travellr"]
    lossy = AnswerLostOnce(services.gateway)
    services.gateway = lossy
    assert _book_and_pay(api, traveller, trip, "pm_card_visa").status_code == 502
    (booking,) = api.client.get("/api/v1/bookings", headers=api.auth(traveller)).get_json()["items"]

    assert _retry_charges(app, lossy, at=datetime.now(UTC) + timedelta(minutes=10)) == 1

    assert _status(api, traveller, booking) == "confirmed"
    assert lossy.keys[0] == lossy.keys[1], "a retry under a new key would charge twice"
