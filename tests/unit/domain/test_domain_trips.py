from datetime import timedelta
from decimal import Decimal

import pytest

from travellr.domain.errors import (
    CapacityBelowTaken,
    InvalidTransition,
    RuleViolated,
    SoldOut,
    TripAlreadyStarted,
    TripHasConfirmedBookings,
    TripNotBookable,
)
from travellr.domain.money import Money
from travellr.domain.trips import Trip, TripStatus


def test_a_new_trip_is_active_with_every_seat_free(make_trip, now):
    trip = make_trip(capacity=12, price=Money(Decimal("99.5"), "eur"))
    assert trip.status == TripStatus.ACTIVE
    assert trip.seats_taken == 0
    assert trip.seats_left == 12
    assert (trip.price, trip.currency) == (Decimal("99.50"), "EUR")
    assert trip.price_money == Money(Decimal("99.50"), "EUR")
    assert trip.created_at == trip.updated_at == now


@pytest.mark.parametrize("start", [timedelta(0), -timedelta(seconds=1)])
def test_a_trip_must_start_in_the_future(make_trip, now, start):
    with pytest.raises(RuleViolated, match="start_at"):
        make_trip(start_at=now + start)


def test_a_trip_cannot_end_before_it_starts(make_trip, now):
    with pytest.raises(RuleViolated, match="end_at"):
        make_trip(start_at=now + timedelta(days=2), end_at=now + timedelta(days=1))


def test_a_trip_may_end_when_it_starts_or_have_no_end(make_trip, now):
    assert make_trip(start_at=now + timedelta(days=2), end_at=now + timedelta(days=2)).end_at
    assert make_trip(end_at=None).end_at is None


@pytest.mark.parametrize(("capacity", "ok"), [(0, False), (1, True), (10000, True), (10001, False)])
def test_capacity_is_between_1_and_10000(make_trip, capacity, ok):
    if ok:
        assert make_trip(capacity=capacity).capacity == capacity
    else:
        with pytest.raises(RuleViolated, match="capacity"):
            make_trip(capacity=capacity)


@pytest.mark.parametrize("price", ["0", "-1.00"])
def test_a_trip_price_must_be_positive(make_trip, price):
    with pytest.raises(RuleViolated, match="price"):
        make_trip(price=Money(Decimal(price)))


def test_the_price_for_seats_is_seats_times_the_price(make_trip):
    assert make_trip(price=Money(Decimal("33.33"))).price_for(3) == Money(Decimal("99.99"))


def test_holding_seats_takes_them_until_the_trip_is_full(make_trip, now):
    trip = make_trip(capacity=5)
    trip.hold_seats(3, now)
    trip.hold_seats(2, now)
    assert trip.seats_taken == 5
    assert trip.seats_left == 0


def test_holding_more_seats_than_are_left_is_sold_out_and_takes_nothing(make_trip, now):
    trip = make_trip(capacity=5)
    trip.hold_seats(4, now)
    with pytest.raises(SoldOut) as raised:
        trip.hold_seats(2, now)
    assert raised.value.extra["seats_left"] == 1
    assert trip.seats_taken == 4


def test_an_archived_trip_is_not_bookable(make_trip, now):
    trip = make_trip()
    trip.archive(has_confirmed_bookings=False, now=now)
    with pytest.raises(TripNotBookable):
        trip.hold_seats(1, now)


def test_a_trip_is_not_bookable_from_the_moment_it_starts(make_trip, now):
    trip = make_trip(start_at=now + timedelta(hours=1))
    trip.hold_seats(1, now + timedelta(hours=1) - timedelta(seconds=1))
    with pytest.raises(TripAlreadyStarted):
        trip.hold_seats(1, now + timedelta(hours=1))
    assert trip.seats_taken == 1


def test_holding_zero_seats_is_refused(make_trip, now):
    with pytest.raises(RuleViolated, match="seats"):
        make_trip().hold_seats(0, now)


def test_checking_a_hold_refuses_what_holding_would_and_takes_nothing(make_trip, now):
    trip = make_trip(capacity=5)
    trip.ensure_can_hold(5, now)
    with pytest.raises(SoldOut):
        trip.ensure_can_hold(6, now)
    with pytest.raises(RuleViolated, match="seats"):
        trip.ensure_can_hold(0, now)
    with pytest.raises(TripAlreadyStarted):
        trip.ensure_can_hold(1, trip.start_at)
    assert trip.seats_taken == 0


def test_releasing_seats_frees_them_but_never_more_than_were_taken(make_trip, now):
    trip = make_trip(capacity=5)
    trip.hold_seats(3, now)
    trip.release_seats(2)
    assert trip.seats_left == 4
    with pytest.raises(ValueError, match="release"):
        trip.release_seats(2)
    assert trip.seats_taken == 1


def test_the_owner_can_edit_a_trip(make_trip, now):
    trip = make_trip()
    later = now + timedelta(hours=1)
    trip.update(
        now=later,
        title="Tour du Mont Blanc",
        description=None,
        destination="Courmayeur",
        start_at=now + timedelta(days=40),
        end_at=now + timedelta(days=50),
        price=Decimal("200"),
        currency="eur",
        capacity=20,
    )
    assert (trip.title, trip.description, trip.destination) == (
        "Tour du Mont Blanc",
        None,
        "Courmayeur",
    )
    assert (trip.start_at, trip.end_at) == (now + timedelta(days=40), now + timedelta(days=50))
    assert (trip.price, trip.currency, trip.capacity) == (Decimal("200.00"), "EUR", 20)
    assert trip.updated_at == later
    assert trip.created_at == now


def test_capacity_cannot_drop_below_the_seats_taken(make_trip, now):
    trip = make_trip(capacity=10)
    trip.hold_seats(6, now)
    with pytest.raises(CapacityBelowTaken) as raised:
        trip.update(now=now, capacity=5)
    assert raised.value.extra == {"seats_taken": 6}
    assert trip.capacity == 10
    trip.update(now=now, capacity=6)
    assert trip.seats_left == 0


def test_an_edit_cannot_end_the_trip_before_it_starts(make_trip, now):
    trip = make_trip()
    with pytest.raises(RuleViolated, match="end_at"):
        trip.update(now=now, end_at=trip.start_at - timedelta(minutes=1))
    with pytest.raises(RuleViolated, match="end_at"):
        trip.update(now=now, start_at=trip.end_at + timedelta(minutes=1))


def test_an_edit_cannot_move_the_start_into_the_past(make_trip, now):
    trip = make_trip()
    with pytest.raises(RuleViolated, match="start_at"):
        trip.update(now=now, start_at=now)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"capacity": 0}, RuleViolated),
        ({"capacity": 10001}, RuleViolated),
        ({"price": Decimal("0")}, RuleViolated),
        ({"currency": "EURO"}, ValueError),
    ],
)
def test_an_invalid_edit_changes_nothing(make_trip, now, change, error):
    trip = make_trip()
    before = dict(vars(trip))
    with pytest.raises(error):
        trip.update(now=now + timedelta(hours=1), **change)
    assert vars(trip) == before


def test_an_unknown_field_is_a_programming_error(make_trip, now):
    with pytest.raises(TypeError, match="seats_taken"):
        make_trip().update(now=now, seats_taken=0)


def test_archiving_takes_a_trip_off_sale(make_trip, now):
    trip = make_trip()
    trip.archive(has_confirmed_bookings=False, now=now + timedelta(minutes=5))
    assert trip.status == TripStatus.ARCHIVED
    assert trip.updated_at == now + timedelta(minutes=5)


def test_a_trip_with_confirmed_bookings_cannot_be_archived(make_trip, now):
    trip = make_trip()
    with pytest.raises(TripHasConfirmedBookings):
        trip.archive(has_confirmed_bookings=True, now=now)
    assert trip.status == TripStatus.ACTIVE


def test_archiving_twice_is_an_invalid_transition(make_trip, now):
    trip = make_trip()
    trip.archive(has_confirmed_bookings=False, now=now)
    with pytest.raises(InvalidTransition):
        trip.archive(has_confirmed_bookings=False, now=now)


def test_a_trip_loaded_without_init_still_records_no_events():
    loaded = Trip.__new__(Trip)
    assert loaded.pull_events() == []
