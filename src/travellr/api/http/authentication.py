"""What a route needs from the running app: the wired services and the acting user."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import replace
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.security import AccessClaims, InvalidToken
from travellr.bootstrap import Services
from travellr.domain.actors import Actor

F = TypeVar("F", bound=Callable[..., Any])
BEARER_AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class Unauthenticated(Exception):
    """No valid access token: always the same 401."""


def services() -> Services:
    return cast(Services, current_app.extensions["travellr"])


def new_uow() -> UnitOfWork:
    return services().new_uow()


def read_uow() -> UnitOfWork:
    """For use cases that only read: single statements, no transaction round trips."""
    return services().read_uow()


def utcnow() -> datetime:
    return datetime.now(UTC)


def current_claims() -> AccessClaims:
    authenticate()
    return cast(AccessClaims, g.claims)


def current_actor() -> Actor:
    return authenticate()


def authenticate() -> Actor:
    """The actor behind the bearer token (resolved once per request); 401 otherwise."""
    if "actor" in g:
        return cast(Actor, g.actor)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated()
    try:
        claims = services().tokens.decode(token.strip())
    except InvalidToken as exc:
        raise Unauthenticated() from exc
    found = services().access.actor_for(claims)
    if found is None:
        raise Unauthenticated()
    # Where the request came from, for the audit entries of the use cases it calls; the
    # address is the one TRUSTED_PROXIES resolves, as the rate limits count it.
    actor = replace(found, request_id=g.get("request_id"), ip=request.remote_addr)
    g.claims, g.actor = claims, actor
    return actor


def auth_required(view: F) -> F:
    """Resolve the bearer token to an actor before the view runs; 401 otherwise.

    Put it right under @blp.route: an anonymous caller gets 401 before its body, query or
    Idempotency-Key is judged.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authenticate()
        return view(*args, **kwargs)

    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    apidoc.setdefault("manual_doc", {})["security"] = BEARER_AUTH
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return cast(F, wrapper)
