"""Reading, changing and deactivating accounts, with the contract's visibility rules."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from travellr.application.bookings import cancel_pending_bookings_of
from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.security import PasswordHasher
from travellr.domain.actors import Actor
from travellr.domain.errors import NotFound, RuleViolated
from travellr.domain.policy import DEFAULT_POLICY
from travellr.domain.users import User


class WrongCurrentPassword(RuleViolated):
    code = "wrong_current_password"
    title = "The current password is wrong"


def get_user(user_id: UUID, *, actor: Actor, uow: UnitOfWork) -> User:
    """A user as seen by `actor`: themselves, or anyone for an admin."""
    with uow:
        return _visible_user(user_id, actor, uow)


def update_user(
    user_id: UUID,
    changes: dict[str, object],
    *,
    actor: Actor,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    now: datetime,
) -> User:
    """Change a profile; a new password needs the current one unless an admin sets it."""
    changes = dict(changes)
    with uow:
        user = _visible_user(user_id, actor, uow)
        current = changes.pop("current_password", None)
        password = changes.pop("password", None)
        if password is not None:
            if user.id == actor.user_id and not (
                isinstance(current, str) and hasher.verify(current, user.password_hash)
            ):
                raise WrongCurrentPassword(errors={"current_password": ["Is wrong."]})
            changes["password_hash"] = hasher.hash(str(password))
        was_active = user.is_active
        user.change(by=actor, now=now, **changes)
        if was_active and not user.is_active:  # a deactivation, as DELETE makes it
            cancel_pending_bookings_of(
                user.id, actor=actor, uow=uow, policy=DEFAULT_POLICY, now=now
            )
        uow.commit()
    return user


def deactivate_user(user_id: UUID, *, actor: Actor, uow: UnitOfWork, now: datetime) -> None:
    """Soft delete: the account stays for the books but can no longer act; the seats its
    pending bookings hold are given back."""
    with uow:
        user = _visible_user(user_id, actor, uow)
        user.deactivate(now=now)
        cancel_pending_bookings_of(user.id, actor=actor, uow=uow, policy=DEFAULT_POLICY, now=now)
        uow.commit()


def _visible_user(user_id: UUID, actor: Actor, uow: UnitOfWork) -> User:
    user = uow.users.get(user_id) if actor.is_admin or user_id == actor.user_id else None
    if user is None:
        raise NotFound("no such user")
    return user
