"""Demo data for a first look: an admin, two vendors with trips, two travellers with bookings.

Loaded through the same use cases as the API, so it obeys every rule the API does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from travellr.application import auth
from travellr.application.ports import PasswordHasher, UnitOfWork
from travellr.domain.actors import Role

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed for the demo; never in production
DEMO_USERS = (
    (Role.ADMIN, "admin@travellr.test", "Ada Admin"),
    (Role.VENDOR, "alps@travellr.test", "Alpine Adventures"),
    (Role.VENDOR, "islands@travellr.test", "Island Hopper Tours"),
    (Role.TRAVELER, "tom@travellr.test", "Tom Traveller"),
    (Role.TRAVELER, "tina@travellr.test", "Tina Traveller"),
)


def load_demo_data(
    new_uow: Callable[[], UnitOfWork], hasher: PasswordHasher, *, now: datetime
) -> list[tuple[str, str, str]]:
    """Load the demo once; returns (role, email, password) per login, or [] if not empty."""
    with new_uow() as uow:
        if uow.users.count() > 0:
            return []
    for role, email, name in DEMO_USERS:
        auth.register(
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
    return [(role.value, email, DEMO_PASSWORD) for role, email, _ in DEMO_USERS]
