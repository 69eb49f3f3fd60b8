"""Demo data for a first look: an admin, two vendors with trips, two travellers with bookings.

Loaded through the same use cases as the API, so it obeys every rule the API does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from travellr.application import auth, bookings, trips
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.persistence import NewUow
from travellr.application.ports.security import PasswordHasher
from travellr.domain.actors import Actor, Role

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed for the demo; never in production
DEMO_USERS = (
    (Role.ADMIN, "admin@travellr.test", "Ada Admin"),
    (Role.VENDOR, "alps@travellr.test", "Alpine Adventures"),
    (Role.VENDOR, "islands@travellr.test", "Island Hopper Tours"),
    (Role.TRAVELER, "tom@travellr.test", "Tom Traveller"),
    (Role.TRAVELER, "tina@travellr.test", "Tina Traveller"),
)
# (vendor email, title, destination, days from now, price, capacity)
DEMO_TRIPS = (
    ("alps@travellr.test", "Matterhorn glacier hike", "Zermatt, Switzerland", 21, "450.00", 12),
    ("alps@travellr.test", "Dolomites via ferrata", "Cortina, Italy", 45, "620.00", 8),
    ("islands@travellr.test", "Cyclades sailing week", "Santorini, Greece", 30, "1150.00", 10),
    ("islands@travellr.test", "Azores whale watching", "Ponta Delgada, Portugal", 10, "280.00", 20),
)
# (traveller email, trip index, seats, pay at once)
DEMO_BOOKINGS = (
    ("tom@travellr.test", 0, 2, True),
    ("tom@travellr.test", 2, 1, False),
    ("tina@travellr.test", 3, 3, True),
    ("tina@travellr.test", 1, 1, True),
)


def load_demo_data(
    new_uow: NewUow,
    hasher: PasswordHasher,
    gateway: PaymentGateway,
    *,
    hold: timedelta,
    now: datetime,
) -> list[tuple[str, str, str]]:
    """Load the demo once; returns (role, email, password) per login, or [] if not empty."""
    with new_uow() as uow:
        if uow.users.count() > 0:
            return []
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
            now=now,
            as_operator=True,
        )
        actors[email] = Actor(user.id, role)
    trip_ids = []
    for vendor, title, destination, days, price, capacity in DEMO_TRIPS:
        fields = {
            "title": title,
            "destination": destination,
            "price": Decimal(price),
            "start_at": now + timedelta(days=days),
            "capacity": capacity,
            "description": f"{title} with {vendor.split('@')[0].title()}.",
        }
        trip_ids.append(trips.create_trip(fields, actor=actors[vendor], uow=new_uow(), now=now).id)
    for traveller, trip_index, seats, pay in DEMO_BOOKINGS:
        request = bookings.BookingRequest(
            trip_id=trip_ids[trip_index],
            seats=seats,
            payment_method="pm_card_visa" if pay else None,
        )
        bookings.place_booking(
            request, actor=actors[traveller], new_uow=new_uow, gateway=gateway, hold=hold, now=now
        )
    return [(role.value, email, DEMO_PASSWORD) for role, email, _ in DEMO_USERS]
