"""Who is signed in to the console: the login use case's access token, kept in the signed
session cookie and checked on every request.

The token is revocable, so the session ends at once at sign-out, when the account is
deactivated and when its password changes (`access.actor_for` checks all three).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from travellr.api.http.authentication import services, utcnow
from travellr.application import auth
from travellr.application.ports.security import InvalidToken
from travellr.config import Environment, Settings
from travellr.domain.actors import Actor, Role
from travellr.domain.users import User

F = TypeVar("F", bound=Callable[..., Any])
TOKEN = "access_token"  # noqa: S105 - the session key that holds it, not a secret
COOKIE = "travellr_console"


def configure(app: Flask, settings: Settings) -> None:
    """The session cookie: signed with SECRET_KEY, HttpOnly, SameSite=Lax, Secure in production."""
    app.secret_key = settings.secret_key
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment is Environment.PRODUCTION,
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session that holds it
    )


def start(user: User) -> None:
    """A new session with a new token: nothing from before sign-in survives it."""
    session.clear()
    session[TOKEN] = services().tokens.issue(user.id, user.role, now=utcnow())


def end() -> None:
    """Revoke the session's token everywhere, then forget it."""
    token = session.get(TOKEN)
    session.clear()
    if not isinstance(token, str):
        return
    try:
        claims = services().tokens.decode(token)
    except InvalidToken:
        return
    auth.logout(jti=claims.jti, expires_at=claims.expires_at, revocations=services().access)


def signed_in_actor() -> Actor | None:
    """The actor behind the session's token, or None (and the session is dropped)."""
    if "actor" in g:
        return cast(Actor | None, g.actor)
    actor = None
    token = session.get(TOKEN)
    if isinstance(token, str):
        try:
            actor = services().access.actor_for(services().tokens.decode(token))
        except InvalidToken:
            actor = None
        if actor is None:
            session.clear()
        else:  # where the request came from, for the audit entries, as the API's actor has it
            actor = replace(actor, request_id=g.get("request_id"), ip=request.remote_addr)
    g.actor = actor
    return actor


def current_actor() -> Actor:
    actor = signed_in_actor()
    assert actor is not None, "used outside @staff_only"
    return actor


def staff_only(view: F) -> F:
    """Vendors and admins; a traveller is shown the "not for you" page, nobody the sign-in."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = signed_in_actor()
        if actor is None:
            return _to_sign_in()
        if actor.role is Role.TRAVELER:
            return redirect(url_for("console.not_for_you"))
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _to_sign_in() -> Response:
    return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
