"""Maps the pure domain classes onto the tables; imperative mapping keeps the domain ORM-free."""

from __future__ import annotations

from sqlalchemy.orm import registry

from travellr.domain.bookings import Booking
from travellr.domain.payments import Payment, Refund
from travellr.domain.payouts import Payout
from travellr.domain.trips import Trip
from travellr.domain.users import User
from travellr.infrastructure.db import tables

mapper_registry = registry(metadata=tables.metadata)


def map_domain() -> None:
    """Idempotent: safe to call from every app factory and test."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(User, tables.users)
    mapper_registry.map_imperatively(Trip, tables.trips)
    # Every UPDATE of a booking or a payment also checks the status it was read with (WHERE
    # status = <as read>; no row matched raises StaleDataError, a 409): a change to a row that
    # was read without a lock is written only if nothing moved it meanwhile.
    mapper_registry.map_imperatively(
        Booking,
        tables.bookings,
        version_id_col=tables.bookings.c.status,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(
        Payment,
        tables.payments,
        version_id_col=tables.payments.c.status,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(Refund, tables.refunds)
    mapper_registry.map_imperatively(Payout, tables.payouts)
