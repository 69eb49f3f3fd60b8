"""Users: read, change and deactivate an account (self, or anyone for an admin)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import (
    auth_required,
    current_actor,
    new_uow,
    read_uow,
    services,
    utcnow,
)
from travellr.api.http.fields import StrictSchema, UtcDateTime, one_of, refuse_fields
from travellr.api.http.rate_limits import enforce_rate_limit
from travellr.application import users
from travellr.domain.actors import Role
from travellr.domain.users import User

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="User accounts")

E164 = validate.Regexp(r"^\+[1-9]\d{1,14}\Z", error="Must be an E.164 phone number (+1234567890).")
PASSWORD = validate.Length(min=8, max=128)
NAME = validate.Length(min=1, max=100)
_ADMIN_ONLY = ("role", "is_active", "payout_account")


class UserOut(StrictSchema):
    id = fields.UUID()
    email = fields.String()
    name = fields.String()
    phone = fields.String(allow_none=True)
    role = fields.String(validate=one_of(Role))
    is_active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class UpdateUserIn(StrictSchema):
    name = fields.String(validate=NAME)
    phone = fields.String(validate=E164, allow_none=True)
    password = fields.String(validate=PASSWORD, load_only=True)
    current_password = fields.String(validate=validate.Length(max=128), load_only=True)
    role = fields.Enum(Role, by_value=True, metadata={"description": "admins only"})
    is_active = fields.Boolean(metadata={"description": "admins only"})
    payout_account = fields.String(
        allow_none=True,
        validate=validate.Length(1, 255),
        load_only=True,
        metadata={"description": "admins only: the vendor's Stripe connected account (acct_...)"},
    )


@blp.route("/me", methods=["GET"])
@blp.doc(operationId="getMe")
@auth_required
@blp.response(200, UserOut)
def get_me() -> User:
    """The signed-in user."""
    return users.get_user(current_actor().user_id, actor=current_actor(), uow=read_uow())


@blp.route("/<uuid:user_id>", methods=["GET"])
@blp.doc(operationId="getUser")
@auth_required
@blp.response(200, UserOut)
def get_user(user_id: UUID) -> User:
    """A user: yourself, or anyone for an admin."""
    return users.get_user(user_id, actor=current_actor(), uow=read_uow())


@blp.route("/me", methods=["PUT"])
@blp.doc(operationId="updateMe")
@auth_required
@blp.arguments(UpdateUserIn())
@blp.response(200, UserOut)
@blp.alt_response(429, description="Too many attempts with `current_password`")
def update_me(body: dict[str, Any]) -> User:
    """Change your name, phone or password (with `current_password`)."""
    return _update(current_actor().user_id, body)


@blp.route("/<uuid:user_id>", methods=["PUT"])
@blp.doc(operationId="updateUser")
@auth_required
@blp.arguments(UpdateUserIn())
@blp.response(200, UserOut)
@blp.alt_response(429, description="Too many attempts with `current_password`")
def update_user(body: dict[str, Any], user_id: UUID) -> User:
    """Change a user; only admins may set `role` and `is_active`."""
    return _update(user_id, body)


def _update(user_id: UUID, body: dict[str, Any]) -> User:
    actor = current_actor()
    if not actor.is_admin:
        refuse_fields(body, _ADMIN_ONLY)
    if "current_password" in body:  # a stolen token must not buy unlimited password guesses
        limit = services().settings.rate_limit_login
        enforce_rate_limit("password_check", limit, accounts=[str(user_id)])
    return users.update_user(
        user_id, body, actor=actor, uow=new_uow(), hasher=services().hasher, now=utcnow()
    )


@blp.route("/me", methods=["DELETE"])
@blp.doc(operationId="deleteMe")
@auth_required
@blp.response(204)
def delete_me() -> None:
    """Deactivate your account; its tokens stop working at once."""
    users.deactivate_user(
        current_actor().user_id, actor=current_actor(), uow=new_uow(), now=utcnow()
    )


@blp.route("/<uuid:user_id>", methods=["DELETE"])
@blp.doc(operationId="deleteUser")
@auth_required
@blp.response(204)
def delete_user(user_id: UUID) -> None:
    """Deactivate an account (soft delete: bookings and payments stay for the books)."""
    users.deactivate_user(user_id, actor=current_actor(), uow=new_uow(), now=utcnow())
