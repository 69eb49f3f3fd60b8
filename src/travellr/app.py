"""The app factory: the one place (with the workers) that picks concrete adapters."""

from __future__ import annotations

from flask import Flask, Response
from marshmallow import ValidationError
from redis import Redis

from travellr.api import (
    admin,
    auth,
    bookings,
    notification_settings,
    operations,
    payments,
    trips,
    users,
    vendors,
    webhooks,
)
from travellr.api.http import metrics as http_metrics
from travellr.api.http import security_headers as http_security
from travellr.api.http.authentication import Services, Unauthenticated
from travellr.api.http.problems import (
    BEARER_CHALLENGE,
    ProblemApi,
    domain_error,
    flatten_messages,
    internal_error,
    problem,
)
from travellr.api.http.rate_limits import TooManyRequests
from travellr.api.http.request_hooks import install as install_request_hooks
from travellr.application.ports.cache import CacheService
from travellr.application.ports.payments import PaymentGateway
from travellr.application.ports.payouts import PayoutGateway
from travellr.config import Settings
from travellr.domain.errors import DomainError
from travellr.infrastructure.cache.cached_reads import invalidate_on_events
from travellr.infrastructure.cache.memory_cache import MemoryCache
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.db.engine import (
    make_engine,
    make_session_factory,
    single_statement_engine,
)
from travellr.infrastructure.db.mapping import map_domain
from travellr.infrastructure.db.queries import ListQueries
from travellr.infrastructure.db.quick_bookings import QuickBookings
from travellr.infrastructure.events.bus import InProcessEventBus
from travellr.infrastructure.payments.mock import MockPaymentGateway, MockPayoutGateway
from travellr.infrastructure.payments.stripe_gateway import StripePaymentGateway
from travellr.infrastructure.payments.stripe_payouts import StripePayoutGateway
from travellr.infrastructure.security.access import SqlAccessRegistry
from travellr.infrastructure.security.passwords import BcryptPasswordHasher
from travellr.infrastructure.security.tokens import TokenService
from travellr.infrastructure.shared_state.idempotency import SqlIdempotencyStore
from travellr.infrastructure.shared_state.rate_limits import (
    RateLimiter,
    RedisRateLimiter,
    SqlRateLimiter,
)
from travellr.observability.error_reporting import configure_sentry
from travellr.observability.logs import configure_logging
from travellr.observability.metrics import count_business_events

API_BLUEPRINTS = (
    auth.blp,
    users.blp,
    trips.blp,
    bookings.blp,
    payments.blp,
    webhooks.blp,
    vendors.blp,
    admin.blp,
    notification_settings.blp,
)


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level)
    configure_sentry(settings)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(_openapi_config())
    app.extensions["travellr"] = build_services(settings)
    install_request_hooks(app, max_body_bytes=settings.max_body_bytes)
    http_security.install(app, settings)
    count_business_events(app.extensions["travellr"].events)
    if settings.metrics_enabled:
        http_metrics.install(app)

    api = ProblemApi(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(operations.blp)
    _register_error_handlers(app)
    return app


def build_services(settings: Settings) -> Services:
    map_domain()
    engine = make_engine(settings.database_url)
    reads = single_statement_engine(engine)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    rate_limiter: RateLimiter = RedisRateLimiter(redis) if redis else SqlRateLimiter(engine)
    cache: CacheService = RedisCache(settings.redis_url) if settings.redis_url else MemoryCache()
    events = InProcessEventBus()
    invalidate_on_events(events, cache, engine)
    read_sessions = make_session_factory(reads)
    return Services(
        settings=settings,
        engine=engine,
        read_engine=reads,
        session_factory=make_session_factory(engine),
        read_session_factory=read_sessions,
        quick_bookings=QuickBookings(read_sessions),
        hasher=BcryptPasswordHasher(settings.bcrypt_rounds),
        tokens=TokenService(settings.secret_key, settings.access_token_ttl),
        access=SqlAccessRegistry(reads),
        rate_limiter=rate_limiter,
        gateway=payment_gateway(settings),
        payouts=payout_gateway(settings),
        events=events,
        policy=settings.cancellation_policy,
        queries=ListQueries(reads),
        idempotency=SqlIdempotencyStore(engine),
        redis=redis,
        cache=cache,
    )


def payment_gateway(settings: Settings) -> PaymentGateway:
    if settings.payment_provider == "stripe":
        assert settings.stripe_secret_key is not None
        return StripePaymentGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base)
    return MockPaymentGateway()


def payout_gateway(settings: Settings) -> PayoutGateway:
    """Stripe Transfers to the vendor's connected account when paying through Stripe."""
    if settings.payment_provider == "stripe":
        assert settings.stripe_secret_key is not None
        return StripePayoutGateway(settings.stripe_secret_key, api_base=settings.stripe_api_base)
    return MockPayoutGateway()


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(Exception, internal_error)

    @app.errorhandler(Unauthenticated)
    def _unauthenticated(_error: Unauthenticated) -> Response:
        return problem(
            401,
            "Unauthorized",
            code="unauthenticated",
            detail="A valid bearer access token is required.",
            headers={"WWW-Authenticate": BEARER_CHALLENGE},
        )

    @app.errorhandler(TooManyRequests)
    def _too_many(error: TooManyRequests) -> Response:
        return problem(
            429,
            "Too Many Requests",
            code="rate_limited",
            detail=f"Too many attempts; retry in {error.retry_after} s.",
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.errorhandler(ValidationError)
    def _invalid(error: ValidationError) -> Response:
        fields = flatten_messages({"json": error.normalized_messages()})  # type: ignore[no-untyped-call]
        return problem(
            422,
            "Unprocessable Content",
            code="validation_failed",
            detail="The request has invalid fields: " + ", ".join(sorted(fields)),
            errors=fields,
        )


def _openapi_config() -> dict[str, object]:
    return {
        "API_TITLE": "Travellr API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "api/v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "api/docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
    }
