"""What a route needs from the running app: the wired services and the acting user."""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from travellr.application.ports.cache import CacheService
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.payouts import PayoutGateway
from travellr.config import Settings
from travellr.domain.actors import Actor
from travellr.domain.policy import CancellationPolicy
from travellr.infrastructure.cache.memory_cache import MemoryCache
from travellr.infrastructure.db.queries import ListQueries
from travellr.infrastructure.db.quick_bookings import QuickBookings
from travellr.infrastructure.db.uow import SqlUnitOfWork
from travellr.infrastructure.events.bus import InProcessEventBus
from travellr.infrastructure.security.access import SqlAccessRegistry
from travellr.infrastructure.security.passwords import BcryptPasswordHasher
from travellr.infrastructure.security.tokens import AccessClaims, InvalidToken, TokenService
from travellr.infrastructure.shared_state.idempotency import SqlIdempotencyStore
from travellr.infrastructure.shared_state.rate_limits import RateLimiter

F = TypeVar("F", bound=Callable[..., Any])
BEARER_AUTH: list[dict[str, list[str]]] = [{"bearerAuth": []}]


class Unauthenticated(Exception):
    """No valid access token: always the same 401."""


@dataclass
class Services:
    settings: Settings
    engine: Engine
    read_engine: Engine  # autocommit, for single statements; `engine` itself on SQLite
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    quick_bookings: QuickBookings  # the process's trip copies, shared by its units of work
    hasher: BcryptPasswordHasher
    tokens: TokenService
    access: SqlAccessRegistry
    rate_limiter: RateLimiter
    gateway: PaymentGateway
    payouts: PayoutGateway
    events: InProcessEventBus
    policy: CancellationPolicy
    queries: ListQueries
    idempotency: SqlIdempotencyStore
    redis: Any = None
    cache: CacheService = field(default_factory=MemoryCache)


def services() -> Services:
    return cast(Services, current_app.extensions["travellr"])


def new_uow() -> SqlUnitOfWork:
    wired = services()
    return SqlUnitOfWork(
        wired.session_factory, wired.events, wired.quick_bookings, wired.read_session_factory
    )


def read_uow() -> SqlUnitOfWork:
    """For use cases that only read: single statements, no transaction round trips."""
    return SqlUnitOfWork(services().read_session_factory)


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
    actor = services().access.actor_for(claims)
    if actor is None:
        raise Unauthenticated()
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
