"""Defence in depth over HTTP: security headers, CORS from configuration, trusted proxy hops."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix

from travellr.config import Environment, Settings

DOCS_ENDPOINT = "docs.swagger_ui"
HSTS = "max-age=63072000; includeSubDomains"
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI loads its vendored bundle and the script that boots it from this origin (no inline
# script), and fetches the document and "Try it out" calls from here; everything else is denied.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# The back office: its own scripts and styles only (Chart.js included), forms posting back to
# it, never framed.
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After", "Idempotent-Replayed", "Location"]


def install(app: Flask, settings: Settings) -> None:
    """Wrap the app in the configured proxy trust, CORS and the security headers."""
    if settings.trusted_proxies > 0:
        # Only the last N hops were added by our own proxies; anything before them is the
        # client's say-so, so X-Forwarded-For is ignored entirely when no proxy is trusted.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    if settings.cors_origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": list(settings.cors_origins)}},
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=CORS_EXPOSE_HEADERS,
            max_age=600,
        )
    production = settings.environment is Environment.PRODUCTION

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", _policy_for(request.blueprint))
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def _policy_for(blueprint: str | None) -> str:
    if blueprint == "console":
        return CONSOLE_CSP
    return DOCS_CSP if request.endpoint == DOCS_ENDPOINT else API_CSP
