"""Auth: register, log in, log out."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import (
    auth_required,
    current_claims,
    new_uow,
    services,
    utcnow,
)
from travellr.api.http.fields import StrictSchema
from travellr.api.http.locations import located
from travellr.api.http.rate_limits import enforce_rate_limit
from travellr.api.users import E164, NAME, PASSWORD, UserOut
from travellr.application import auth
from travellr.domain.actors import Role
from travellr.domain.users import User, normalise_email

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign up, in and out")


class NormalisedEmailLength(validate.Length):
    """The stored, normalised address must fit: "İ".lower() is two characters long."""

    def __call__(self, value: Any) -> Any:
        super().__call__(normalise_email(value))
        return value


EMAIL_LENGTH = NormalisedEmailLength(max=254)


class RegisterIn(StrictSchema):
    email = fields.Email(required=True, validate=EMAIL_LENGTH)
    password = fields.String(required=True, validate=PASSWORD, load_only=True)
    name = fields.String(required=True, validate=NAME)
    phone = fields.String(validate=E164, allow_none=True)
    role = fields.Enum(
        Role,
        by_value=True,
        load_default=Role.TRAVELER,
        validate=validate.OneOf([Role.TRAVELER, Role.VENDOR], error="Must be traveler or vendor."),
    )


class LoginIn(StrictSchema):
    email = fields.String(required=True, validate=EMAIL_LENGTH)
    password = fields.String(required=True, validate=validate.Length(max=128), load_only=True)


class AuthOut(StrictSchema):
    user = fields.Nested(UserOut)
    access_token = fields.String()
    token_type = fields.String(validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer()


@blp.route("/register", methods=["POST"])
@blp.doc(operationId="register")
@blp.arguments(RegisterIn())
@located("users.get_user", user_id="user.id")
@blp.response(201, AuthOut)
@blp.alt_response(409, description="Email already registered")
@blp.alt_response(429, description="Too many attempts")
def register(body: dict[str, Any]) -> dict[str, Any]:
    """Open a traveller or vendor account and sign in."""
    limit = services().settings.rate_limit_register
    enforce_rate_limit("register", limit, accounts=[normalise_email(body["email"])])
    user = auth.register(
        email=body["email"],
        password=body["password"],
        name=body["name"],
        phone=body.get("phone"),
        role=body["role"],
        uow=new_uow(),
        hasher=services().hasher,
        now=utcnow(),
    )
    return _signed_in(user)


@blp.route("/login", methods=["POST"])
@blp.doc(operationId="login")
@blp.arguments(LoginIn())
@blp.response(200, AuthOut)
@blp.alt_response(401, description="Invalid email or password")
@blp.alt_response(429, description="Too many attempts")
def login(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange an email and password for an access token."""
    limit = services().settings.rate_limit_login
    enforce_rate_limit("login", limit, accounts=[normalise_email(body["email"])])
    user = auth.login(
        email=body["email"], password=body["password"], uow=new_uow(), hasher=services().hasher
    )
    return _signed_in(user)


@blp.route("/logout", methods=["POST"])
@blp.doc(operationId="logout")
@auth_required
@blp.response(204)
def logout() -> None:
    """Revoke this access token in every process, for good."""
    claims = current_claims()
    auth.logout(jti=claims.jti, expires_at=claims.expires_at, revocations=services().access)


def _signed_in(user: User) -> dict[str, Any]:
    tokens = services().tokens
    return {
        "user": user,
        "access_token": tokens.issue(user.id, user.role, now=utcnow()),
        "token_type": "Bearer",
        "expires_in": int(tokens.ttl.total_seconds()),
    }
