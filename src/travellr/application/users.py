"""Reading, changing and deactivating accounts, with the contract's visibility rules."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from travellr.application.booking_steps import cancel_pending_bookings_of
from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.queries import ListQueries, Page, PageRequest
from travellr.application.ports.security import PasswordHasher
from travellr.domain.actors import Actor, Role, ensure_admin
from travellr.domain.audit import AuditAction, Changes, diff, fields_of
from travellr.domain.errors import NotFound, RuleViolated
from travellr.domain.policy import DEFAULT_POLICY
from travellr.domain.users import User

# What the audit log compares before and after a change; a changed hash shows, redacted.
AUDITED_FIELDS = ("name", "phone", "role", "is_active", "payout_account", "password_hash")


class WrongCurrentPassword(RuleViolated):
    code = "wrong_current_password"
    title = "The current password is wrong"


class CurrentPasswordRequired(RuleViolated):
    code = "current_password_required"
    title = "Changing your password needs the current one"


def get_user(user_id: UUID, *, actor: Actor, uow: UnitOfWork) -> User:
    """A user as seen by `actor`: themselves, or anyone for an admin."""
    with uow:
        return _visible_user(user_id, actor, uow)


def list_users(
    page: PageRequest,
    *,
    role: Role | None,
    is_active: bool | None,
    q: str | None,
    actor: Actor,
    queries: ListQueries,
) -> Page:
    """Every user, newest first, by role, activity or a search of the email and name: admins
    only (403 for anyone else)."""
    ensure_admin(actor)
    return queries.users(role=role.value if role else None, is_active=is_active, q=q, page=page)


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
        if password is not None and user.id == actor.user_id:
            if current is None:
                raise CurrentPasswordRequired(
                    "a new password needs the current one",
                    errors={"current_password": ["Missing data for required field."]},
                )
            if not (isinstance(current, str) and hasher.verify(current, user.password_hash)):
                raise WrongCurrentPassword(errors={"current_password": ["Is wrong."]})
        if password is not None:
            changes["password_hash"] = hasher.hash(str(password))
        before = fields_of(user, AUDITED_FIELDS)
        user.change(by=actor, now=now, **changes)
        changed = diff(before, fields_of(user, AUDITED_FIELDS))
        _audit_user_changes(uow, actor, user, changed, now)
        if changed.get("is_active") == [True, False]:  # a deactivation, as DELETE makes it
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
        was_active = user.is_active
        user.deactivate(now=now)
        if was_active:
            _audit_user_changes(uow, actor, user, {"is_active": [True, False]}, now)
        cancel_pending_bookings_of(user.id, actor=actor, uow=uow, policy=DEFAULT_POLICY, now=now)
        uow.commit()


def _audit_user_changes(
    uow: UnitOfWork, actor: Actor, user: User, changed: Changes, now: datetime
) -> None:
    """A role change and a deactivation are entries of their own; the rest is `user.updated`."""
    changed = dict(changed)
    kinds = [(AuditAction.USER_ROLE_CHANGED, "role"), (AuditAction.USER_DEACTIVATED, "is_active")]
    for action, name in kinds:
        pair = changed.get(name)
        if pair is not None and (name == "role" or pair[1] is False):
            del changed[name]
            uow.audit.record(actor, action, "user", user.id, now=now, changes={name: pair})
    if changed:
        uow.audit.record(actor, AuditAction.USER_UPDATED, "user", user.id, now=now, changes=changed)


def _visible_user(user_id: UUID, actor: Actor, uow: UnitOfWork) -> User:
    user = uow.users.get(user_id) if actor.is_admin or user_id == actor.user_id else None
    if user is None:
        raise NotFound("no such user")
    return user
