from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from travellr.domain.actors import Actor, Role
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import (
    Forbidden,
    InvalidTransition,
    PriceMismatch,
    RuleViolated,
    SoldOut,
    TripAlreadyStarted,
    TripNotBookable,
)
from travellr.domain.events import BookingCancelled, BookingCreated
from travellr.domain.money import Money
from travellr.domain.policy import CancellationPolicy

POLICY = CancellationPolicy()
S = BookingStatus


def usd(amount: str) -> Money:
    return Money(Decimal(amount))


def traveller(booking):
    return Actor(booking.user_id, Role.TRAVELER)


def vendor(booking):
    return Actor(booking.vendor_id, Role.VENDOR)


def test_placing_a_booking_holds_seats_at_the_trip_price(make_trip, now):
    trip = make_trip(capacity=5, price=usd("150.00"))
    user_id = uuid4()
    booking = Booking.place(
        trip=trip,
        user_id=user_id,
        seats=2,
        expected_total=usd("300"),
        notes="window seat",
        now=now,
        hold=timedelta(minutes=30),
    )
    assert booking.status == S.PENDING
    assert (booking.total_price, booking.currency, booking.total_money) == (
        Decimal("300.00"),
        "USD",
        usd("300.00"),
    )
    assert (booking.trip_id, booking.vendor_id, booking.trip_date) == (
        trip.id,
        trip.vendor_id,
        trip.start_at,
    )
    assert booking.expires_at == now + timedelta(minutes=30)
    assert booking.refund_amount is None
    assert booking.notes == "window seat"
    assert trip.seats_left == 3
    assert booking.pull_events() == [
        BookingCreated(
            occurred_at=now,
            booking_id=booking.id,
            trip_id=trip.id,
            user_id=user_id,
            vendor_id=trip.vendor_id,
            seats=2,
            total_price=Decimal("300.00"),
            currency="USD",
        )
    ]


@pytest.mark.parametrize("expected", [usd("299.99"), Money(Decimal("300"), "EUR")])
def test_a_wrong_expected_total_is_a_price_mismatch_and_holds_nothing(
    make_trip, make_booking, expected
):
    trip = make_trip(price=usd("150.00"))
    with pytest.raises(PriceMismatch) as raised:
        make_booking(trip, seats=2, expected_total=expected)
    assert raised.value.extra["actual"] == "300.00"
    assert trip.seats_taken == 0


def test_booking_more_seats_than_are_left_is_sold_out(make_trip, make_booking):
    trip = make_trip(capacity=3)
    make_booking(trip, seats=2)
    with pytest.raises(SoldOut):
        make_booking(trip, seats=2)
    assert trip.seats_taken == 2


def test_an_archived_trip_refuses_bookings_before_checking_the_price(make_trip, make_booking, now):
    trip = make_trip()
    trip.archive(has_confirmed_bookings=False, now=now)
    with pytest.raises(TripNotBookable):
        make_booking(trip, expected_total=usd("1.00"))


def test_a_trip_that_has_started_refuses_bookings(make_trip, make_booking, now):
    trip = make_trip(start_at=now + timedelta(hours=1))
    with pytest.raises(TripAlreadyStarted):
        make_booking(trip, now=now + timedelta(hours=1))


def do_confirm(booking, trip, now):
    booking.confirm(now)


def do_cancel(booking, trip, now):
    booking.cancel(actor=traveller(booking), trip=trip, policy=POLICY, reason=None, now=now)


def do_complete(booking, trip, now):
    booking.complete(booking.trip_date)


def do_expire(booking, trip, now):
    booking.expire(trip=trip, now=booking.expires_at)


ACTIONS = {
    S.CONFIRMED: do_confirm,
    S.CANCELLED: do_cancel,
    S.COMPLETED: do_complete,
    S.EXPIRED: do_expire,
}
PATHS = {
    S.PENDING: [],
    S.CONFIRMED: [S.CONFIRMED],
    S.CANCELLED: [S.CANCELLED],
    S.COMPLETED: [S.CONFIRMED, S.COMPLETED],
    S.EXPIRED: [S.EXPIRED],
}
LEGAL = {
    (S.PENDING, S.CONFIRMED),
    (S.PENDING, S.CANCELLED),
    (S.PENDING, S.EXPIRED),
    (S.CONFIRMED, S.CANCELLED),
    (S.CONFIRMED, S.COMPLETED),
}
ALL_MOVES = [(start, target) for start in S for target in ACTIONS]


@pytest.fixture
def booking_in(make_trip, make_booking, now):
    def drive(status):
        trip = make_trip()
        booking = make_booking(trip)
        for step in PATHS[status]:
            ACTIONS[step](booking, trip, now)
        booking.pull_events()
        return booking, trip

    return drive


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_a_legal_transition_moves_the_booking_and_records_it(booking_in, now, start, target):
    booking, trip = booking_in(start)
    ACTIONS[target](booking, trip, now)
    assert booking.status == target
    assert [event.name for event in booking.pull_events()] == [f"booking.{target}"]


@pytest.mark.parametrize(("start", "target"), [m for m in ALL_MOVES if m not in LEGAL])
def test_any_other_transition_is_refused_and_changes_nothing(booking_in, now, start, target):
    booking, trip = booking_in(start)
    before, seats_taken = dict(vars(booking)), trip.seats_taken
    with pytest.raises(InvalidTransition) as raised:
        ACTIONS[target](booking, trip, now)
    assert raised.value.extra["from_status"] == start
    assert raised.value.extra["to_status"] == target
    assert vars(booking) == before
    assert trip.seats_taken == seats_taken


def test_a_booking_cannot_complete_before_its_trip_date(make_booking):
    booking = make_booking(confirmed=True)
    with pytest.raises(RuleViolated):
        booking.complete(booking.trip_date - timedelta(seconds=1))
    assert booking.status == S.CONFIRMED


def test_a_hold_cannot_expire_early_and_expiring_releases_the_seats(make_trip, make_booking):
    trip = make_trip(capacity=4)
    booking = make_booking(trip, seats=3)
    with pytest.raises(RuleViolated):
        booking.expire(trip=trip, now=booking.expires_at - timedelta(seconds=1))
    assert trip.seats_taken == 3
    booking.expire(trip=trip, now=booking.expires_at)
    assert trip.seats_taken == 0
    assert booking.pull_events()[0].payload()["seats"] == 3


def test_changing_seats_of_a_pending_booking_moves_the_hold_and_the_total(
    make_trip, make_booking, now
):
    trip = make_trip(capacity=5, price=usd("100.00"))
    booking = make_booking(trip, seats=2)
    booking.change(trip=trip, seats=5, now=now + timedelta(minutes=1))
    assert (trip.seats_taken, booking.seats, booking.total_money) == (5, 5, usd("500.00"))
    booking.change(trip=trip, seats=1, notes="just me", now=now + timedelta(minutes=2))
    assert (trip.seats_taken, booking.seats, booking.total_money) == (1, 1, usd("100.00"))
    assert booking.notes == "just me"
    assert booking.updated_at == now + timedelta(minutes=2)


def test_a_changed_total_takes_the_currency_of_the_trips_price(make_trip, make_booking, now):
    trip = make_trip(price=usd("150.00"))
    booking = make_booking(trip, seats=1)
    trip.update(price=Decimal("100.00"), currency="EUR", now=now)
    booking.change(trip=trip, seats=2, now=now)
    assert booking.total_money == Money(Decimal("200.00"), "EUR")


def test_changing_to_more_seats_than_are_left_is_sold_out_and_keeps_the_booking(
    make_trip, make_booking, now
):
    trip = make_trip(capacity=3)
    booking = make_booking(trip, seats=2)
    with pytest.raises(SoldOut):
        booking.change(trip=trip, seats=4, now=now)
    assert (trip.seats_taken, booking.seats, booking.total_price) == (2, 2, Decimal("300.00"))


def test_a_booking_cannot_be_changed_to_zero_seats(make_trip, make_booking, now):
    trip = make_trip()
    booking = make_booking(trip, seats=2)
    with pytest.raises(RuleViolated):
        booking.change(trip=trip, seats=0, now=now)
    assert trip.seats_taken == 2


def test_only_a_pending_booking_can_be_changed(make_trip, make_booking, now):
    trip = make_trip()
    booking = make_booking(trip, confirmed=True)
    with pytest.raises(InvalidTransition):
        booking.change(trip=trip, notes="late", now=now)
    assert booking.notes is None


def test_a_booking_is_changed_only_against_its_own_trip(make_trip, make_booking, now):
    booking = make_booking()
    with pytest.raises(ValueError, match="not the trip"):
        booking.change(trip=make_trip(), seats=1, now=now)


def cancel_days_before(booking, trip, actor, notice):
    return booking.cancel(
        actor=actor,
        trip=trip,
        policy=POLICY,
        reason="plans changed",
        now=booking.trip_date - notice,
    )


def test_a_traveller_cancelling_three_days_before_gets_half_back(make_trip, make_booking):
    trip = make_trip(price=usd("150.00"))
    booking = make_booking(trip, seats=2, confirmed=True)
    refund = cancel_days_before(booking, trip, traveller(booking), timedelta(days=3))
    assert refund == usd("150.00")
    assert booking.refund_amount == Decimal("150.00")
    assert booking.status == S.CANCELLED
    assert trip.seats_taken == 0


@pytest.mark.parametrize(
    ("notice", "refund"),
    [
        (timedelta(days=7), "300.00"),
        (timedelta(days=7) - timedelta(seconds=1), "150.00"),
        (timedelta(hours=48), "150.00"),
        (timedelta(hours=48) - timedelta(seconds=1), "0.00"),
    ],
)
def test_a_traveller_refund_follows_the_tiers_at_their_boundaries(
    make_trip, make_booking, notice, refund
):
    trip = make_trip(price=usd("150.00"))
    booking = make_booking(trip, seats=2, confirmed=True)
    assert cancel_days_before(booking, trip, traveller(booking), notice) == usd(refund)


@pytest.mark.parametrize("who", ["vendor", "admin"])
def test_a_cancellation_by_the_vendor_or_an_admin_refunds_everything(
    make_trip, make_booking, admin, who
):
    trip = make_trip()
    booking = make_booking(trip, confirmed=True)
    actor = vendor(booking) if who == "vendor" else admin
    assert cancel_days_before(booking, trip, actor, timedelta(hours=1)) == usd("300.00")


def test_the_bookings_own_traveller_gets_the_tiers_whatever_role_it_has_now(
    make_trip, make_booking
):
    trip = make_trip()
    booking = make_booking(trip, confirmed=True)
    made_vendor_since = Actor(booking.user_id, Role.VENDOR)
    assert cancel_days_before(booking, trip, made_vendor_since, timedelta(hours=1)) == usd("0.00")


def test_cancelling_a_pending_booking_refunds_nothing(make_trip, make_booking):
    trip = make_trip()
    booking = make_booking(trip)
    refund = cancel_days_before(booking, trip, traveller(booking), timedelta(days=30))
    assert refund == Money.zero("USD")
    assert booking.refund_amount == Decimal("0.00")
    assert trip.seats_taken == 0


def test_half_of_an_odd_cent_total_is_rounded_half_even(make_trip, make_booking):
    trip = make_trip(price=usd("100.01"))
    booking = make_booking(trip, seats=1, confirmed=True)
    refund = cancel_days_before(booking, trip, traveller(booking), timedelta(days=3))
    assert refund == usd("50.00")


def test_a_cancellation_records_who_when_why_and_the_refund(make_trip, make_booking):
    trip = make_trip()
    booking = make_booking(trip, confirmed=True)
    actor = vendor(booking)
    cancel_days_before(booking, trip, actor, timedelta(days=1))
    when = booking.trip_date - timedelta(days=1)
    assert (booking.cancelled_at, booking.cancelled_by, booking.cancel_reason) == (
        when,
        actor.user_id,
        "plans changed",
    )
    assert booking.pull_events() == [
        BookingCancelled(
            occurred_at=when,
            booking_id=booking.id,
            user_id=booking.user_id,
            vendor_id=booking.vendor_id,
            refund_amount=Decimal("300.00"),
            currency="USD",
            cancelled_by=actor.user_id,
            reason="plans changed",
        )
    ]


@pytest.mark.parametrize("role", [Role.TRAVELER, Role.VENDOR])
def test_a_stranger_cannot_cancel_a_booking(make_trip, make_booking, now, role):
    trip = make_trip()
    booking = make_booking(trip)
    with pytest.raises(Forbidden):
        booking.cancel(actor=Actor(uuid4(), role), trip=trip, policy=POLICY, reason=None, now=now)
    assert booking.status == S.PENDING
