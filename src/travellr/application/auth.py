"""Registering, signing in and signing out."""

from __future__ import annotations

from datetime import datetime

from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.security import PasswordHasher, TokenRevocations
from travellr.domain.actors import SYSTEM, Role
from travellr.domain.audit import AuditAction, created, fields_of
from travellr.domain.errors import DomainError
from travellr.domain.users import EmailTaken, User, normalise_email


class InvalidCredentials(DomainError):
    """One answer for an unknown email, a wrong password and a deactivated account."""

    code = "invalid_credentials"
    title = "Invalid email or password"


def register(
    *,
    email: str,
    password: str,
    name: str,
    phone: str | None,
    role: Role,
    uow: UnitOfWork,
    hasher: PasswordHasher,
    now: datetime,
    as_operator: bool = False,
) -> User:
    """Open an account: travellers and vendors through the API, admins from the CLI."""
    with uow:
        if uow.users.by_email(normalise_email(email)) is not None:
            raise EmailTaken()
        user = User.register(
            email=email,
            password_hash=hasher.hash(password),
            name=name,
            phone=phone,
            role=role,
            now=now,
            as_operator=as_operator,
        )
        uow.users.add(user)
        if as_operator:
            uow.audit.record(
                SYSTEM,
                AuditAction.USER_CREATED,
                "user",
                user.id,
                now=now,
                changes=created(fields_of(user, ("email", "name", "role", "is_active"))),
                reason="travellr create-admin",
            )
        uow.commit()
    return user


def login(*, email: str, password: str, uow: UnitOfWork, hasher: PasswordHasher) -> User:
    """Check a user's credentials; every failure looks the same to the caller."""
    with uow:
        user = uow.users.by_email(normalise_email(email))
    valid = hasher.verify(password, user.password_hash if user else None)
    if user is None or not valid or not user.is_active:
        raise InvalidCredentials()
    return user


def logout(*, jti: str, expires_at: datetime, revocations: TokenRevocations) -> None:
    """Revoke the caller's access token everywhere until it would have expired."""
    revocations.revoke(jti, expires_at=expires_at)
