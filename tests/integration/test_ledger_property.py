"""The ledger under random sequences of bookings, payments, refunds, cancellations, completions
and payouts, driven through the HTTP API (completions through the scheduler's use case).

A small model predicts every answer: the status of each call, each cancellation's refund, each
payout's amounts (gross, refunds, the clawback of refunds made after an earlier payout, the
80/20 split, the minimum) and each vendor's balance. After every step the books must balance
(`check_books` finds nothing), every payment's `amount_refunded` must be the sum of its refunds,
and every vendor's balance must match the model, with earned - paid_out == available.

Each Hypothesis example needs a database of its own, which the function-scoped `database_url`
fixture cannot give, so `fresh_database` hands out a factory instead: a copy of the migrated
SQLite template per example, or the session's PostgreSQL database truncated per example.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.api.factories import BOOKINGS, DECLINED, PAYMENTS, VISA, trip_body
from tests.conftest import PostgresDatabase, make_settings
from travellr.app import create_app
from travellr.application.payouts import complete_booking
from travellr.domain.errors import InvalidTransition
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.ledger import check_books

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MINIMUM = Decimal("50.00")
AFTER_EVERY_TRIP = datetime(2031, 9, 1, tzinfo=UTC)
VENDORS = "/api/v1/vendors"
RUNS = settings(
    max_examples=25,
    stateful_step_count=50,
    deadline=None,
    database=None,  # no .hypothesis directory in a tree others work in
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NewDatabase = Callable[[], str]
Account = dict[str, Any]


def _share(net: Decimal) -> Decimal:
    """The vendor's 80 %, rounded half-even to the cent, computed apart from the domain's code."""
    return (net * Decimal("0.80")).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT))


@dataclass
class ModelPayout:
    standing_net: Decimal  # the payout's net, less the refunds made on its bookings since


@dataclass
class ModelBooking:
    id: str
    traveller: Account
    vendor_id: str
    trip_date: datetime
    total: Decimal
    status: str
    payment_id: str | None = None
    refunded: Decimal = ZERO
    payout: ModelPayout | None = None

    @property
    def paid_out(self) -> bool:
        return self.payout is not None

    @property
    def remaining(self) -> Decimal:
        return self.total - self.refunded if self.payment_id else ZERO


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self, new_database: NewDatabase) -> None:
        super().__init__()
        self.app = create_app(make_settings(new_database()))
        self.api = Api(self.app, self.app.test_client())
        self.admin = self.api.admin()
        self.vendors = [self.api.register(role="vendor") for _ in range(2)]
        self.travellers = [self.api.register() for _ in range(2)]
        now = datetime.now(UTC)
        starts = {  # 2031 trips refund a traveller in full, in 3 days half, tomorrow nothing
            "100.00": datetime(2031, 3, 10, 9, tzinfo=UTC),
            "137.37": datetime(2031, 4, 20, 18, tzinfo=UTC),
            "80.00": now + timedelta(days=3),
            "45.00": now + timedelta(hours=30),
        }
        self.trips = [
            (vendor, self._trip(vendor, price, start))
            for vendor in self.vendors
            for price, start in starts.items()
        ]
        today = now.date()
        self.periods = {
            "all": (date(2026, 1, 1), date(2035, 12, 31)),
            "march": (date(2031, 3, 1), date(2031, 3, 31)),
            "april": (date(2031, 4, 1), date(2031, 4, 30)),
            "soon": (today, today + timedelta(days=10)),
        }
        self.bookings: list[ModelBooking] = []
        self.owed = {vendor["user"]["id"]: ZERO for vendor in self.vendors}
        self.paid = {vendor["user"]["id"]: ZERO for vendor in self.vendors}
        self.paid_periods: set[tuple[str, date, date]] = set()

    def teardown(self) -> None:
        self.app.extensions["travellr"].engine.dispose()

    def _trip(self, vendor: Account, price: str, start: datetime) -> Account:
        body = trip_body(price=price, start_at=start.isoformat(), end_at=None, capacity=10000)
        response = self.api.client.post("/api/v1/trips", json=body, headers=Api.auth(vendor))
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    def _post(self, url: str, account: Account, body: dict[str, Any]) -> tuple[int, Any]:
        response = self.api.client.post(url, json=body, headers=Api.auth(account))
        return response.status_code, response.get_json()

    def _payment_id(self, booking_id: str) -> str:
        response = self.api.client.get(
            PAYMENTS,
            query_string={"booking_id": booking_id, "status": "succeeded"},
            headers=Api.auth(self.admin),
        )
        (payment,) = response.get_json()["items"]
        return str(payment["id"])

    @rule(
        data=st.data(),
        seats=st.integers(1, 3),
        method=st.sampled_from([VISA, VISA, DECLINED, None]),
    )
    def book(self, data: st.DataObject, seats: int, method: str | None) -> None:
        vendor, trip = data.draw(st.sampled_from(self.trips), label="trip")
        traveller = data.draw(st.sampled_from(self.travellers), label="traveller")
        body = {"trip_id": trip["id"], "seats": seats}
        status, answer = self._post(
            BOOKINGS, traveller, {**body, "payment_method": method} if method else body
        )
        assert status == (402 if method == DECLINED else 201), answer
        booking = ModelBooking(
            id=answer["booking_id"] if status == 402 else answer["id"],
            traveller=traveller,
            vendor_id=vendor["user"]["id"],
            trip_date=datetime.fromisoformat(trip["start_at"]),
            total=Decimal(trip["price"]) * seats,
            status="confirmed" if method == VISA else "pending",
        )
        if method == VISA:
            booking.payment_id = self._payment_id(booking.id)
        self.bookings.append(booking)

    @precondition(lambda self: self.bookings)
    @rule(data=st.data(), method=st.sampled_from([VISA, DECLINED]))
    def pay(self, data: st.DataObject, method: str) -> None:
        booking = data.draw(st.sampled_from(self.bookings), label="booking")
        body = {"booking_id": booking.id, "payment_method": method}
        status, answer = self._post(PAYMENTS, booking.traveller, body)
        if booking.status != "pending":
            assert status == 409, answer
        elif method == DECLINED:
            assert (status, answer["code"]) == (402, "payment_declined"), answer
        else:
            assert status == 201, answer
            booking.status, booking.payment_id = "confirmed", answer["id"]

    @precondition(lambda self: any(b.payment_id for b in self.bookings))
    @rule(
        data=st.data(),
        by_vendor=st.booleans(),
        size=st.sampled_from(["all", "part", "over"]),
        after_payout=st.booleans(),
    )
    def refund(self, data: st.DataObject, by_vendor: bool, size: str, after_payout: bool) -> None:
        paid = [b for b in self.bookings if b.payment_id]
        paid_out = [b for b in paid if b.paid_out and b.remaining]
        booking = data.draw(st.sampled_from(paid_out if after_payout and paid_out else paid))
        remaining = booking.remaining
        amount = {"all": None, "over": remaining + CENT}.get(size)
        if size == "part" and remaining > CENT:
            amount = data.draw(st.integers(1, int(remaining / CENT) - 1), label="cents") * CENT
        who = (
            next(v for v in self.vendors if v["user"]["id"] == booking.vendor_id)
            if by_vendor
            else self.admin
        )
        body = {} if amount is None else {"amount": _money(amount)}
        status, answer = self._post(f"{PAYMENTS}/{booking.payment_id}/refund", who, body)
        if remaining == 0:
            assert (status, answer["code"]) == (409, "not_refundable"), answer
        elif size == "over":
            assert (status, answer["code"]) == (422, "refund_exceeds_remaining"), answer
        else:
            assert status == 201, answer
            assert answer["amount"] == _money(amount or remaining)
            self._refunded(booking, Decimal(answer["amount"]))

    def _refunded(self, booking: ModelBooking, amount: Decimal) -> None:
        payout = booking.payout
        if booking.status == "completed" and payout:  # the vendor owes its share back
            net = payout.standing_net
            self.owed[booking.vendor_id] += _share(net) - _share(net - amount)
            payout.standing_net -= amount
        booking.refunded += amount

    @precondition(lambda self: self.bookings)
    @rule(data=st.data(), who=st.sampled_from(["traveller", "vendor", "admin"]))
    def cancel(self, data: st.DataObject, who: str) -> None:
        booking = data.draw(st.sampled_from(self.bookings), label="booking")
        vendor = next(v for v in self.vendors if v["user"]["id"] == booking.vendor_id)
        actor = {"traveller": booking.traveller, "vendor": vendor, "admin": self.admin}[who]
        fraction = Decimal(1)
        if who == "traveller":
            notice = booking.trip_date - datetime.now(UTC)
            fraction = Decimal(1) if notice >= timedelta(days=7) else Decimal("0.5")
            fraction = fraction if notice >= timedelta(hours=48) else Decimal(0)
        status, answer = self._post(f"{BOOKINGS}/{booking.id}/cancel", actor, {})
        if booking.status not in ("pending", "confirmed"):
            assert status == 409, answer
            return
        assert (status, answer["status"]) == (200, "cancelled"), answer
        refund = ZERO
        if booking.status == "confirmed":
            refund = min(
                (booking.total * fraction).quantize(CENT, ROUND_HALF_EVEN), booking.remaining
            )
        booking.status = "cancelled"
        if refund:
            self._refunded(booking, refund)
        assert answer["refund_amount"] == _money(booking.refunded)  # every refund, this one too

    @precondition(lambda self: self.bookings)
    @rule(data=st.data(), any_booking=st.booleans())
    def complete(self, data: st.DataObject, any_booking: bool) -> None:
        confirmed = [b for b in self.bookings if b.status == "confirmed"]
        choices = self.bookings if any_booking or not confirmed else confirmed
        booking = data.draw(st.sampled_from(choices), label="booking")
        wired = self.app.extensions["travellr"]
        uow = wired.new_uow()
        if booking.status != "confirmed":
            with pytest.raises(InvalidTransition):
                complete_booking(UUID(booking.id), uow=uow, now=AFTER_EVERY_TRIP)
            return
        completed = complete_booking(UUID(booking.id), uow=uow, now=AFTER_EVERY_TRIP)
        assert completed.status == "completed"
        booking.status = "completed"

    @precondition(lambda self: any(b.status == "completed" for b in self.bookings))
    @rule(data=st.data(), period=st.sampled_from(["all", "march", "april", "soon"]))
    def pay_out(self, data: st.DataObject, period: str) -> None:
        earning = [b.vendor_id for b in self.bookings if b.status == "completed" and not b.paid_out]
        everyone = [vendor["user"]["id"] for vendor in self.vendors]
        vendor_id = data.draw(st.sampled_from(earning or everyone), label="vendor")
        start, end = self.periods[period]
        body = {"period_start": start.isoformat(), "period_end": end.isoformat()}
        status, answer = self._post(f"{VENDORS}/{vendor_id}/payout", self.admin, body)
        eligible = [
            b
            for b in self.bookings
            if b.vendor_id == vendor_id
            and b.status == "completed"
            and not b.paid_out
            and start <= b.trip_date.astimezone(UTC).date() <= end
        ]
        owed = self.owed[vendor_id]
        if not eligible and (vendor_id, start, end) in self.paid_periods:
            assert (status, answer["code"]) == (422, "nothing_to_pay"), answer
            return
        if not eligible and owed == 0:
            assert (status, answer["code"]) == (422, "nothing_to_pay"), answer
            return
        gross = sum((b.total for b in eligible), ZERO)
        refunded = sum((b.refunded for b in eligible), ZERO)
        vendor_amount = _share(gross - refunded) - owed
        if vendor_amount < MINIMUM:
            assert (status, answer["code"]) == (422, "below_minimum"), answer
            assert answer["amount"] == _money(vendor_amount)
            return
        assert status == 201, answer
        expected = {
            "gross_amount": _money(gross),
            "refunded_amount": _money(refunded),
            "adjustment_amount": _money(owed),
            "vendor_amount": _money(vendor_amount),
            "platform_fee": _money(gross - refunded - _share(gross - refunded)),
            "booking_count": len(eligible),
        }
        assert {field: answer[field] for field in expected} == expected
        payout = ModelPayout(standing_net=gross - refunded)
        for booking in eligible:
            booking.payout = payout
        self.owed[vendor_id] = ZERO
        self.paid[vendor_id] += vendor_amount
        self.paid_periods.add((vendor_id, start, end))

    @invariant()
    def the_books_balance(self) -> None:
        with self.app.extensions["travellr"].engine.connect() as connection:
            assert check_books(connection) == []

    @invariant()
    def every_payment_has_refunded_the_sum_of_its_refunds(self) -> None:
        p, r = tables.payments.c, tables.refunds.c
        refunds = select(func.coalesce(func.sum(r.amount), 0)).where(r.payment_id == p.id)
        mismatched = select(p.id).where(p.amount_refunded != refunds.scalar_subquery())
        with self.app.extensions["travellr"].engine.connect() as connection:
            assert list(connection.execute(mismatched)) == []
        for booking in self.bookings:
            if booking.payment_id:
                response = self.api.client.get(
                    f"{PAYMENTS}/{booking.payment_id}", headers=Api.auth(self.admin)
                )
                assert response.get_json()["amount_refunded"] == _money(booking.refunded)
            if booking.refunded:  # the booking shows every refund made on it, whoever made them
                shown = self.api.client.get(
                    f"{BOOKINGS}/{booking.id}", headers=Api.auth(self.admin)
                ).get_json()
                assert shown["refund_amount"] == _money(booking.refunded)

    @invariant()
    def every_vendor_balance_adds_up_and_matches_the_model(self) -> None:
        for vendor in self.vendors:
            vendor_id = vendor["user"]["id"]
            response = self.api.client.get(
                f"{VENDORS}/{vendor_id}/balance", headers=Api.auth(vendor)
            )
            balance = {k: Decimal(v) for k, v in response.get_json().items() if k != "currency"}
            assert balance["earned"] - balance["paid_out"] == balance["available"]
            unpaid = sum(
                (
                    b.total - b.refunded
                    for b in self.bookings
                    if b.vendor_id == vendor_id and b.status == "completed" and not b.paid_out
                ),
                ZERO,
            )
            assert balance["paid_out"] == self.paid[vendor_id]
            assert balance["available"] == _share(unpaid) - self.owed[vendor_id]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """A factory of migrated, empty databases of each kind: one per Hypothesis example."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")

        def sqlite() -> str:
            path = tmp_path / f"{uuid.uuid4().hex}.db"
            shutil.copy(template, path)
            return f"sqlite:///{path}"

        yield sqlite
        return
    database: PostgresDatabase = request.getfixturevalue("postgres_database")

    def postgres() -> str:
        database.truncate()
        return database.url

    yield postgres


def test_random_sequences_keep_the_books_balanced_and_the_balances_right(
    fresh_database: NewDatabase,
) -> None:
    class OnThisDatabase(LedgerMachine):
        def __init__(self) -> None:
            super().__init__(fresh_database)

    run_state_machine_as_test(OnThisDatabase, settings=RUNS)
