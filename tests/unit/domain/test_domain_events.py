from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

import pytest

from travellr.domain.bookings import Booking
from travellr.domain.events import (
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
    PaymentFailed,
    PaymentProcessed,
    PaymentRefunded,
    VendorPaidOut,
)

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ID = uuid4()
OTHER = uuid4()

EVENTS = [
    (
        BookingCreated(
            occurred_at=AT,
            booking_id=ID,
            trip_id=OTHER,
            user_id=OTHER,
            vendor_id=OTHER,
            seats=1,
            total_price=Decimal("1"),
            currency="USD",
        ),
        "booking.created",
    ),
    (
        BookingConfirmed(
            occurred_at=AT,
            booking_id=ID,
            user_id=OTHER,
            vendor_id=OTHER,
            total_price=Decimal("1"),
            currency="USD",
        ),
        "booking.confirmed",
    ),
    (
        BookingCancelled(
            occurred_at=AT,
            booking_id=ID,
            user_id=OTHER,
            vendor_id=OTHER,
            refund_amount=Decimal("0"),
            currency="USD",
            cancelled_by=OTHER,
            reason=None,
        ),
        "booking.cancelled",
    ),
    (
        BookingCompleted(occurred_at=AT, booking_id=ID, user_id=OTHER, vendor_id=OTHER),
        "booking.completed",
    ),
    (
        BookingExpired(occurred_at=AT, booking_id=ID, user_id=OTHER, trip_id=OTHER, seats=1),
        "booking.expired",
    ),
    (
        PaymentProcessed(
            occurred_at=AT,
            payment_id=ID,
            booking_id=OTHER,
            user_id=OTHER,
            amount=Decimal("1"),
            currency="USD",
        ),
        "payment.processed",
    ),
    (
        PaymentFailed(
            occurred_at=AT,
            payment_id=ID,
            booking_id=OTHER,
            user_id=OTHER,
            amount=Decimal("1"),
            currency="USD",
            failure_message="declined",
        ),
        "payment.failed",
    ),
    (
        PaymentRefunded(
            occurred_at=AT,
            payment_id=ID,
            refund_id=OTHER,
            booking_id=OTHER,
            user_id=OTHER,
            amount=Decimal("1"),
            currency="USD",
        ),
        "payment.refunded",
    ),
    (
        VendorPaidOut(
            occurred_at=AT,
            payout_id=ID,
            vendor_id=OTHER,
            vendor_amount=Decimal("1"),
            platform_fee=Decimal("0.25"),
            currency="USD",
            booking_count=1,
        ),
        "vendor.paid_out",
    ),
]


@pytest.mark.parametrize(("event", "name"), EVENTS)
def test_each_event_names_itself_and_the_aggregate_that_recorded_it(event, name):
    assert event.name == name
    assert event.aggregate_id == ID


def test_a_payload_is_json_ready():
    event = BookingCancelled(
        occurred_at=datetime(2026, 6, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2))),
        booking_id=ID,
        user_id=OTHER,
        vendor_id=OTHER,
        refund_amount=Decimal("75"),
        currency="USD",
        cancelled_by=OTHER,
        reason=None,
    )
    assert event.payload() == {
        "occurred_at": "2026-06-01T12:30:05Z",
        "booking_id": str(ID),
        "user_id": str(OTHER),
        "vendor_id": str(OTHER),
        "refund_amount": "75.00",
        "currency": "USD",
        "cancelled_by": str(OTHER),
        "reason": None,
    }


def test_a_payload_keeps_integers_as_integers():
    event = VendorPaidOut(
        occurred_at=AT,
        payout_id=ID,
        vendor_id=OTHER,
        vendor_amount=Decimal("80.01"),
        platform_fee=Decimal("20"),
        currency="USD",
        booking_count=3,
    )
    payload = event.payload()
    assert payload["booking_count"] == 3
    assert payload["platform_fee"] == "20.00"
    assert "name" not in payload


def test_events_are_immutable():
    event = EVENTS[0][0]
    with pytest.raises(AttributeError):
        event.seats = 2


def test_pulling_events_returns_them_once_in_order(make_booking, now):
    booking = make_booking()
    booking.confirm(now)
    booking.complete(booking.trip_date)
    pulled = booking.pull_events()
    assert [event.name for event in pulled] == ["booking.confirmed", "booking.completed"]
    assert booking.pull_events() == []


def test_events_are_not_persistent_attributes(make_booking):
    booking = make_booking()
    loaded = Booking.__new__(Booking)
    loaded.__dict__.update({k: v for k, v in vars(booking).items() if k != "_events"})
    loaded.record(EVENTS[0][0])
    assert loaded.pull_events() == [EVENTS[0][0]]
