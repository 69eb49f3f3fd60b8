"""GET /metrics for Prometheus, and the per-request instrumentation behind it.

Not part of the OpenAPI document. With METRICS_TOKEN set it answers only to
`Authorization: Bearer <METRICS_TOKEN>` (Prometheus' `authorization` setting); production
serves it only then (`Settings.metrics_served`).
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import Blueprint, Flask, Response, g, request, request_finished, request_started
from flask.signals import request_tearing_down

from travellr.api.http.authentication import services
from travellr.api.http.problems import problem
from travellr.observability.metrics import (
    HTTP_IN_FLIGHT,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    exposition,
    watch_pool,
)

UNMATCHED_ROUTE = "<unmatched>"
blp = Blueprint("metrics", __name__)


@blp.get("/metrics")
def metrics() -> Response:
    """Every metric in the Prometheus text format."""
    settings = services().settings
    if settings.metrics_token is not None and not _bears(settings.metrics_token):
        return problem(
            401,
            "Unauthorized",
            code="unauthenticated",
            detail="/metrics needs Authorization: Bearer <METRICS_TOKEN>.",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    body, content_type = exposition(settings.metrics_multiproc_dir)
    return Response(body, content_type=content_type)


def _bears(token: str) -> bool:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    # Compared in constant time, as bytes: a non-ASCII header must not raise.
    return scheme.lower() == "bearer" and hmac.compare_digest(sent.encode(), token.encode())


def install(app: Flask) -> None:
    """Serve /metrics and count every request the app serves."""
    app.register_blueprint(blp)
    wired = app.extensions["travellr"]
    for engine in {wired.engine, wired.read_engine}:  # one engine on SQLite
        watch_pool(engine)
    # Signals rather than before/after_request hooks: they fire even when another hook answers
    # early (413, 415), so no request escapes the counts.
    request_started.connect(_started, app)
    request_finished.connect(_finished, app)
    request_tearing_down.connect(_tearing_down, app)


def _route() -> str:
    # The rule's template ("/api/v1/trips/<uuid:trip_id>"), never the raw path, so that the
    # number of label values stays bounded whatever clients send.
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def _started(_sender: Flask, **_extra: Any) -> None:
    g.metrics_started = time.perf_counter()
    HTTP_IN_FLIGHT.inc()


def _finished(_sender: Flask, response: Response, **_extra: Any) -> None:
    route = _route()
    HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        HTTP_LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


def _tearing_down(_sender: Flask, **_extra: Any) -> None:
    if g.pop("metrics_started", None) is not None:
        HTTP_IN_FLIGHT.dec()
