from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from travellr.domain.actors import Actor, Role
from travellr.domain.policy import CancellationPolicy

TRIP_DATE = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("notice", "fraction"),
    [
        (timedelta(days=30), Decimal("1")),
        (timedelta(days=7), Decimal("1")),
        (timedelta(days=7) - SECOND, Decimal("0.5")),
        (timedelta(days=3), Decimal("0.5")),
        (timedelta(hours=48), Decimal("0.5")),
        (timedelta(hours=48) - SECOND, Decimal("0")),
        (timedelta(0), Decimal("0")),
        (-timedelta(days=1), Decimal("0")),
    ],
)
def test_a_traveller_gets_the_fraction_their_notice_earns(notice, fraction):
    policy = CancellationPolicy()
    now = TRIP_DATE - notice
    refunded = policy.refund_fraction(by_traveller=True, trip_date=TRIP_DATE, now=now)
    assert refunded == fraction


@pytest.mark.parametrize("notice", [timedelta(days=30), timedelta(hours=1), -timedelta(days=2)])
def test_a_cancellation_by_someone_else_refunds_everything_whatever_the_notice(notice):
    policy = CancellationPolicy()
    now = TRIP_DATE - notice
    refunded = policy.refund_fraction(by_traveller=False, trip_date=TRIP_DATE, now=now)
    assert refunded == Decimal("1")


def test_tiers_are_configurable_and_tried_in_order():
    policy = CancellationPolicy(tiers=((timedelta(days=1), Decimal("0.25")),))
    day_before = TRIP_DATE - timedelta(days=1)
    on_time = policy.refund_fraction(by_traveller=True, trip_date=TRIP_DATE, now=day_before)
    late = policy.refund_fraction(by_traveller=True, trip_date=TRIP_DATE, now=day_before + SECOND)
    assert on_time == Decimal("0.25")
    assert late == Decimal("0")


@pytest.mark.parametrize(
    "tiers",
    [((timedelta(days=1), Decimal("1.5")),), ((timedelta(days=-1), Decimal("0.5")),)],
)
def test_an_impossible_tier_is_refused(tiers):
    with pytest.raises(ValueError, match="must"):
        CancellationPolicy(tiers=tiers)


@pytest.mark.parametrize(
    ("role", "admin", "vendor", "traveler"),
    [
        (Role.ADMIN, True, False, False),
        (Role.VENDOR, False, True, False),
        (Role.TRAVELER, False, False, True),
    ],
)
def test_an_actor_knows_its_role(role, admin, vendor, traveler):
    actor = Actor(uuid4(), role)
    assert (actor.is_admin, actor.is_vendor, actor.is_traveler) == (admin, vendor, traveler)


def test_an_actor_built_from_a_plain_role_string_still_knows_its_role():
    assert Actor(uuid4(), "admin").is_admin  # type: ignore[arg-type]
