"""Who is acting: the authenticated user and their role, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from travellr.domain.errors import Forbidden

# The scheduled jobs and the operator's commands act as this id; the audit log shows no user.
SYSTEM_ID = UUID(int=0)


class Role(StrEnum):
    TRAVELER = "traveler"
    VENDOR = "vendor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    """`request_id` and `ip` say where an API request came from, for the audit log."""

    user_id: UUID
    role: Role
    request_id: str | None = None
    ip: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_vendor(self) -> bool:
        return self.role == Role.VENDOR

    @property
    def is_traveler(self) -> bool:
        return self.role == Role.TRAVELER

    @property
    def is_system(self) -> bool:
        return self.user_id == SYSTEM_ID


SYSTEM = Actor(SYSTEM_ID, Role.ADMIN)


def ensure_admin(actor: Actor) -> None:
    """Admin-only collections are off limits as a whole: 403, not the 404 of a hidden item."""
    if not actor.is_admin:
        raise Forbidden("not an admin")
