"""Who is acting: the authenticated user and their role."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    TRAVELER = "traveler"
    VENDOR = "vendor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Actor:
    user_id: UUID
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_vendor(self) -> bool:
        return self.role == Role.VENDOR

    @property
    def is_traveler(self) -> bool:
        return self.role == Role.TRAVELER
