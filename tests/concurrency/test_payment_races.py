"""Racing to cancel, refund and pay, across gunicorn worker processes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.concurrency.conftest import Request, Travellr, race, statuses
from tests.conftest import requires_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CENT = Decimal("0.01")


def _cents(value: int) -> Decimal:
    return Decimal(value) * CENT


def _paid_booking(travellr: Travellr, *, price: str = "100.00") -> dict[str, object]:
    vendor = travellr.register("vendor")
    traveller = travellr.register()
    trip_id = travellr.trip(vendor, capacity=5, price=price)
    booking = travellr.book(traveller, trip_id, payment_method="pm_card_visa")
    assert booking["status"] == "confirmed"
    payment_id = travellr.scalar(
        "SELECT id FROM payments WHERE booking_id = :b AND status = 'succeeded'", b=booking["id"]
    )
    return {
        "vendor": vendor,
        "traveller": traveller,
        "trip_id": trip_id,
        "booking": booking,
        "payment_id": str(payment_id),
    }


def test_a_booking_cancelled_ten_times_at_once_is_cancelled_and_refunded_once(
    travellr: Travellr,
) -> None:
    """Its traveller and an admin cancel one paid booking, five times each, at once.

    cancel_booking reads the booking, lets the domain decide (confirmed -> cancelled, with a
    refund) and books the refund against the payment. Without the row lock on the booking
    (`SELECT ... FOR UPDATE`, bookings.get_for_update) the four workers would each read it
    as `confirmed` in their own transaction, each cancel it, each insert a refund row and each
    pay the refund out through the gateway: up to four refunds of the full price for one
    payment, while payments.amount_refunded, written as an absolute value from the same stale
    read, would still say 100.00, so no check constraint would notice. With the lock the later
    transactions see `cancelled` and answer 409.
    """
    requires_postgres()
    paid = _paid_booking(travellr)
    booking_id = paid["booking"]["id"]  # type: ignore[index]
    admin = travellr.admin()
    path = f"/api/v1/bookings/{booking_id}/cancel"
    cancellers = [paid["traveller"], admin] * 5
    replies = race(travellr.server, [("POST", path, who, {"json": {}}) for who in cancellers])  # type: ignore[misc]

    assert statuses(replies) == {200: 1, 409: 9}, statuses(replies)
    cancelled = next(r for r in replies if r.status == 200).body
    assert cancelled["status"] == "cancelled"
    assert cancelled["refund_amount"] == "100.00"
    refunds = travellr.rows("SELECT amount FROM refunds WHERE booking_id = :b", b=booking_id)
    assert [row.amount for row in refunds] == [10000]
    refunded = travellr.scalar(
        "SELECT amount_refunded FROM payments WHERE id = :p", p=paid["payment_id"]
    )
    assert refunded == refunds[0].amount
    assert travellr.scalar("SELECT seats_taken FROM trips WHERE id = :t", t=paid["trip_id"]) == 0


def test_ten_partial_refunds_at_once_never_refund_more_than_was_paid(travellr: Travellr) -> None:
    """The trip's vendor asks for 30.00 back on a 100.00 payment, ten times at once.

    refund_payment reads what is left to refund, checks the amount against it and adds it to
    amount_refunded. Without the row lock on the payment (payments.get_for_update) the four
    workers would each read amount_refunded = 0.00 and each approve 30.00: four refund rows
    (120.00 paid back on 100.00) while amount_refunded, written from the stale read, says
    30.00, so the `amount_refunded <= amount` check would not fire. With the lock the requests
    queue: three fit (90.00), the rest find 10.00 left and get 422.
    """
    requires_postgres()
    paid = _paid_booking(travellr)
    path = f"/api/v1/payments/{paid['payment_id']}/refund"
    body = {"amount": "30.00", "reason": "partial"}
    replies = race(travellr.server, [("POST", path, paid["vendor"], {"json": body})] * 10)  # type: ignore[misc]

    counts = statuses(replies)
    assert set(counts) <= {201, 409, 422}, counts
    assert 1 <= counts.get(201, 0) <= 3, counts
    refused = {r.body.get("code") for r in replies if r.status == 422}
    assert refused <= {"refund_exceeds_remaining"}
    payment_id = paid["payment_id"]
    total = travellr.scalar("SELECT amount_refunded FROM payments WHERE id = :p", p=payment_id)
    rows = travellr.scalar(
        "SELECT coalesce(sum(amount), 0) FROM refunds WHERE payment_id = :p", p=payment_id
    )
    assert total == rows <= 10000
    assert _cents(total) == Decimal("30.00") * counts.get(201, 0)
    created = {r.body["id"] for r in replies if r.status == 201}
    assert len(created) == counts.get(201, 0)


def test_one_booking_paid_ten_times_at_once_is_charged_once(travellr: Travellr) -> None:
    """Its traveller pays one pending booking ten times at once (some with their own keys).

    pay_booking locks the booking (`SELECT ... FOR UPDATE`), refuses unless it is pending and
    commits one `pending` payment before charging; the partial unique index
    uq_payments_booking_id_paid (one non-failed payment per booking) backs that up. Without
    the lock and the index, the four workers would each find no payment, each insert one and
    each charge the card under its own payment id (so under a different gateway idempotency
    key): four charges for one booking. A request that arrives while the first charge is
    still in flight finds that pending payment and joins it (same payment, same gateway key),
    so it may answer 201 with the same payment; once it has succeeded the booking is
    confirmed and every later request gets 409.
    """
    requires_postgres()
    vendor = travellr.register("vendor")
    traveller = travellr.register()
    trip_id = travellr.trip(vendor, capacity=5)
    booking = travellr.book(traveller, trip_id)
    assert booking["status"] == "pending"
    body = {"booking_id": booking["id"], "payment_method": "pm_card_visa"}
    keyed: list[Request] = [
        ("POST", "/api/v1/payments", traveller, {"json": body, "headers": {"Idempotency-Key": k}})
        for k in (f"pay-{uuid.uuid4().hex}" for _ in range(5))
    ]
    bare: list[Request] = [("POST", "/api/v1/payments", traveller, {"json": body})] * 5
    replies = race(travellr.server, keyed + bare)

    counts = statuses(replies)
    assert set(counts) <= {201, 409}, counts
    paid = {r.body["id"] for r in replies if r.status == 201}
    rows = travellr.rows("SELECT id, status FROM payments WHERE booking_id = :b", b=booking["id"])
    assert [row.status for row in rows] == ["succeeded"]
    assert paid == {str(rows[0].id)}, counts
    assert counts.get(409, 0) >= 1, counts
    after = travellr.call("GET", f"/api/v1/bookings/{booking['id']}", traveller)
    assert after.body["status"] == "confirmed"
