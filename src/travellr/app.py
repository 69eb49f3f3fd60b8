"""The app factory: the API on the services `bootstrap.build` wires."""

from __future__ import annotations

from typing import cast

from flask import Flask, Response, current_app
from marshmallow import ValidationError

from travellr import console
from travellr.api import (
    admin,
    audit,
    auth,
    bookings,
    docs,
    notification_settings,
    operations,
    payments,
    trips,
    users,
    vendors,
    webhook_endpoints,
    webhooks,
)
from travellr.api.http import metrics as http_metrics
from travellr.api.http import openapi
from travellr.api.http import security_headers as http_security
from travellr.api.http.authentication import Unauthenticated
from travellr.api.http.problems import (
    BEARER_CHALLENGE,
    domain_error,
    flatten_messages,
    internal_error,
    problem,
    service_unavailable,
)
from travellr.api.http.rate_limits import TooManyRequests
from travellr.api.http.request_hooks import install as install_request_hooks
from travellr.bootstrap import Services, build
from travellr.config import Settings
from travellr.domain.errors import DomainError
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
    audit.blp,
    notification_settings.blp,
    webhook_endpoints.blp,
)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """The API on `services` (by default wired from `settings`, by default from the env)."""
    settings = services.settings if services else settings or Settings.from_env()
    configure_logging(settings.log_level)
    configure_sentry(settings)
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["travellr"] = services = services or build(settings)
    install_request_hooks(app, max_body_bytes=settings.max_body_bytes)
    http_security.install(app, settings)
    count_business_events(services.events)
    if settings.metrics_served:
        http_metrics.install(app)

    api = openapi.install(app)
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.register_blueprint(operations.blp)
    app.register_blueprint(docs.blp)
    console.install(app, settings)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, domain_error)
    app.register_error_handler(Exception, _unexpected)

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


def _unexpected(error: Exception) -> Response:
    """A backing service that does not answer is a 503; anything else is a bug, a 500."""
    outage = cast(Services, current_app.extensions["travellr"]).outage_of(error)
    if outage is None:
        return internal_error(error)
    return service_unavailable(*outage)
