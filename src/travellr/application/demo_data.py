"""Demo data for a first look at the whole life of the marketplace.

Loaded through the same use cases as the API, so it obeys every rule the API does; the past is
written by running those use cases at past times. What a fresh `make run` shows:
- history: a trip that ended two weeks ago, its bookings completed and its vendor paid out;
  a cancelled booking with its refund;
- at the scheduler's first tick (seconds after start): the bookings of a trip that ended three
  days ago complete, and their vendor (Alpine Adventures) is paid, since payouts never ran;
- a few minutes in: unpaid holds (one after a declined card) expire and give their seats back,
  and a trip ending three minutes after the seed completes its bookings: Alpine Adventures
  then has a balance ready to be paid (POST /vendors/{id}/payout, or next Monday's payout);
- upcoming trips with confirmed bookings.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from travellr.application import auth, bookings, trips
from travellr.application.payouts import complete_booking, pay_vendor
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.payouts import PayoutGateway
from travellr.application.ports.persistence import NewUow
from travellr.application.ports.security import PasswordHasher
from travellr.domain.actors import Actor, Role
from travellr.domain.errors import PaymentDeclined
from travellr.domain.money import CommissionRate
from travellr.domain.policy import CancellationPolicy

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed for the demo; never in production
ADMIN, ALPS, ISLANDS = "admin@travellr.test", "alps@travellr.test", "islands@travellr.test"
TOM, TINA = "tom@travellr.test", "tina@travellr.test"
DEMO_USERS = (
    (Role.ADMIN, ADMIN, "Ada Admin"),
    (Role.VENDOR, ALPS, "Alpine Adventures"),
    (Role.VENDOR, ISLANDS, "Island Hopper Tours"),
    (Role.TRAVELER, TOM, "Tom Traveller"),
    (Role.TRAVELER, TINA, "Tina Traveller"),
)
EXPIRING_SOON = timedelta(minutes=3)  # the demo's holds run out this long after the seed
DECLINED_CARD = "pm_card_chargeDeclined"
PAID_CARD = "pm_card_visa"
EVERYTHING_SINCE = date(2000, 1, 1)


@dataclass(frozen=True)
class DemoTrip:
    vendor: str
    title: str
    destination: str
    price: str
    capacity: int
    starts_in: timedelta  # from the seed; negative for trips in the past
    lasts: timedelta | None = None


UPCOMING = (
    DemoTrip(ALPS, "Matterhorn glacier hike", "Zermatt, Switzerland", "450.00", 12, timedelta(21)),
    DemoTrip(ALPS, "Dolomites via ferrata", "Cortina, Italy", "620.00", 8, timedelta(45)),
    DemoTrip(ISLANDS, "Cyclades sailing week", "Santorini, Greece", "1150.00", 10, timedelta(30)),
    DemoTrip(
        ISLANDS, "Azores whale watching", "Ponta Delgada, Portugal", "280.00", 20, timedelta(10)
    ),
)
ENDED_AND_PAID = DemoTrip(
    ISLANDS, "Madeira levada walks", "Funchal, Portugal", "390.00", 12, -timedelta(20), timedelta(7)
)
ENDED = DemoTrip(
    ALPS, "Mont Blanc weekend", "Chamonix, France", "310.00", 10, -timedelta(5), timedelta(2)
)
ENDING_SOON = DemoTrip(
    ALPS,
    "Lake Geneva sunrise paddle",
    "Lausanne, Switzerland",
    "95.00",
    8,
    -timedelta(hours=2),
    timedelta(hours=2, minutes=3),
)


@dataclass
class _Demo:
    new_uow: NewUow
    gateway: PaymentGateway
    hold: timedelta
    actors: dict[str, Actor]

    def trip(self, trip: DemoTrip, now: datetime) -> UUID:
        """Published a month before it starts (or now, for the upcoming ones)."""
        start = now + trip.starts_in
        published = min(now, start - timedelta(days=30))
        fields = {
            "title": trip.title,
            "destination": trip.destination,
            "price": Decimal(trip.price),
            "start_at": start,
            "end_at": None if trip.lasts is None else start + trip.lasts,
            "capacity": trip.capacity,
            "description": f"{trip.title} with {trip.vendor.split('@')[0].title()}.",
        }
        vendor = self.actors[trip.vendor]
        return trips.create_trip(fields, actor=vendor, uow=self.new_uow(), now=published).id

    def book(
        self, traveller: str, trip_id: UUID, seats: int, card: str | None, at: datetime
    ) -> UUID:
        request = bookings.BookingRequest(trip_id=trip_id, seats=seats, payment_method=card)
        booking = bookings.place_booking(
            request,
            actor=self.actors[traveller],
            new_uow=self.new_uow,
            gateway=self.gateway,
            hold=self.hold,
            now=at,
        )
        return booking.id


def load_demo_data(
    new_uow: NewUow,
    hasher: PasswordHasher,
    gateway: PaymentGateway,
    payouts: PayoutGateway,
    *,
    hold: timedelta,
    policy: CancellationPolicy,
    commission: CommissionRate,
    now: datetime,
) -> list[tuple[str, str, str]]:
    """Load the demo once; returns (role, email, password) per login, or [] if not empty."""
    with new_uow() as uow:
        if uow.users.count() > 0:
            return []
    joined = now - timedelta(days=60)
    actors = {}
    for role, email, name in DEMO_USERS:
        user = auth.register(
            email=email,
            password=DEMO_PASSWORD,
            name=name,
            phone=None,
            role=role,
            uow=new_uow(),
            hasher=hasher,
            now=joined,
            as_operator=True,
        )
        actors[email] = Actor(user.id, role)
    demo = _Demo(new_uow, gateway, hold, actors)
    _history(demo, payouts, commission, now)
    _ended_trips(demo, now)
    _upcoming(demo, policy, commission, now)
    return [(role.value, email, DEMO_PASSWORD) for role, email, _ in DEMO_USERS]


def _history(
    demo: _Demo, payouts: PayoutGateway, commission: CommissionRate, now: datetime
) -> None:
    """A trip that ended two weeks ago: bookings completed, its vendor paid the next day."""
    trip_id = demo.trip(ENDED_AND_PAID, now)
    booked_at = now + ENDED_AND_PAID.starts_in - timedelta(days=18)
    paid = [
        demo.book(TOM, trip_id, 2, PAID_CARD, booked_at),
        demo.book(TINA, trip_id, 1, PAID_CARD, booked_at + timedelta(hours=3)),
    ]
    assert ENDED_AND_PAID.lasts is not None
    ended = now + ENDED_AND_PAID.starts_in + ENDED_AND_PAID.lasts
    for booking_id in paid:
        complete_booking(booking_id, uow=demo.new_uow(), now=ended + timedelta(hours=1))
    paid_on = ended + timedelta(days=1)
    pay_vendor(
        demo.actors[ISLANDS].user_id,
        EVERYTHING_SINCE,
        paid_on.date(),
        actor=demo.actors[ADMIN],
        new_uow=demo.new_uow,
        gateway=payouts,
        commission=commission,
        now=paid_on,
    )


def _ended_trips(demo: _Demo, now: datetime) -> None:
    """Confirmed bookings on trips that have ended, or end minutes from now: the scheduler
    completes them (and pays their vendor) without anyone asking."""
    ended = demo.trip(ENDED, now)
    booked_at = now + ENDED.starts_in - timedelta(days=12)
    demo.book(TOM, ended, 2, PAID_CARD, booked_at)
    demo.book(TINA, ended, 1, PAID_CARD, booked_at + timedelta(days=1))
    ending_soon = demo.trip(ENDING_SOON, now)
    demo.book(TINA, ending_soon, 2, PAID_CARD, now + ENDING_SOON.starts_in - timedelta(days=9))


def _upcoming(
    demo: _Demo, policy: CancellationPolicy, commission: CommissionRate, now: datetime
) -> None:
    """Upcoming trips: paid bookings, a cancellation refunded in full, and unpaid holds that
    run out a few minutes after the seed (one of them after a declined card)."""
    matterhorn, dolomites, cyclades, azores = (demo.trip(trip, now) for trip in UPCOMING)
    week_ago = now - timedelta(days=7)
    demo.book(TOM, matterhorn, 2, PAID_CARD, week_ago)
    demo.book(TINA, azores, 3, PAID_CARD, week_ago + timedelta(hours=5))
    demo.book(TINA, dolomites, 1, PAID_CARD, week_ago + timedelta(days=1))
    cancelled = demo.book(TINA, cyclades, 1, PAID_CARD, week_ago + timedelta(days=2))
    bookings.cancel_booking(
        cancelled,
        "Plans changed",
        actor=demo.actors[TINA],
        uow=demo.new_uow(),
        gateway=demo.gateway,
        policy=policy,
        commission=commission,
        now=week_ago + timedelta(days=3),
    )
    held_at = now + min(EXPIRING_SOON, demo.hold) - demo.hold  # runs out EXPIRING_SOON from now
    demo.book(TOM, cyclades, 1, None, held_at)
    # Declined: the booking stays pending, holding its seats until the hold runs out.
    with contextlib.suppress(PaymentDeclined):
        demo.book(TINA, matterhorn, 2, DECLINED_CARD, held_at)
