"""Users: who may sign in, with which role, and what they may change about themselves."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from travellr.domain.actors import Actor, Role
from travellr.domain.errors import Conflict, Forbidden
from travellr.domain.events import Aggregate, UserActivityChanged


class EmailTaken(Conflict):
    code = "email_taken"
    title = "An account with this email already exists"


class User(Aggregate):
    """An account. Deactivation is a soft delete: the row stays for the books."""

    def __init__(
        self,
        *,
        id: UUID,
        email: str,
        password_hash: str,
        name: str,
        phone: str | None,
        role: Role,
        now: datetime,
    ) -> None:
        self.id = id
        self.email = email
        self.password_hash = password_hash
        self.name = name
        self.phone = phone
        self.role = role
        self.is_active = True
        self.tokens_valid_after: datetime | None = None
        self.payout_account: str | None = None
        self.created_at = now
        self.updated_at = now

    @classmethod
    def register(
        cls,
        *,
        email: str,
        password_hash: str,
        name: str,
        phone: str | None,
        role: Role,
        now: datetime,
        as_operator: bool = False,
    ) -> User:
        """A new account; only an operator (the CLI, never the API) may create an admin."""
        if role is Role.ADMIN and not as_operator:
            raise Forbidden("nobody registers as admin; the first admin is made with the CLI")
        return cls(
            id=uuid.uuid4(),
            email=normalise_email(email),
            password_hash=password_hash,
            name=name,
            phone=phone,
            role=role,
            now=now,
        )

    def change(self, *, by: Actor, now: datetime, **changes: object) -> None:
        """Apply a profile change; only an admin may change `role` and `is_active`."""
        privileged = {"role", "is_active", "payout_account"} & changes.keys()
        if privileged and not by.is_admin:
            raise Forbidden(f"only an admin may change {', '.join(sorted(privileged))}")
        was_active = self.is_active
        for name, value in changes.items():
            setattr(self, name, value)
        if self.is_active != was_active:
            self._record_activity(now)
        if changes.get("is_active") is False or "password_hash" in changes:
            self.tokens_valid_after = now  # every session ends, the caller's own included
        self.updated_at = now

    def deactivate(self, *, now: datetime) -> None:
        """Soft delete: the account can no longer sign in and its tokens stop working."""
        if self.is_active:
            self.is_active = False
            self._record_activity(now)
        self.tokens_valid_after = now
        self.updated_at = now

    def _record_activity(self, now: datetime) -> None:
        self.record(UserActivityChanged(occurred_at=now, user_id=self.id, is_active=self.is_active))


def normalise_email(email: str) -> str:
    return email.strip().lower()
