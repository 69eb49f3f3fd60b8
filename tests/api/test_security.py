"""Security headers, CORS from configuration, and proxy headers trusted only when configured."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import make_settings
from travellr.app import create_app
from travellr.config import Environment, RateLimit

LOGIN = "/api/v1/auth/login"
ORIGIN = "https://app.travellr.example"
ClientFactory = Callable[..., FlaskClient]


@pytest.fixture
def make_client(database_url: str) -> Iterator[ClientFactory]:
    """Builds test clients of apps with settings overridden; disposes their engines."""
    apps = []

    def make(**overrides: Any) -> FlaskClient:
        apps.append(create_app(make_settings(database_url, **overrides)))
        return apps[-1].test_client()

    yield make
    for app in apps:
        app.extensions["travellr"].engine.dispose()


def _assert_hardened(headers: Any) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"


def test_api_responses_carry_the_security_headers(client: FlaskClient) -> None:
    for response in (client.get("/api/v1/trips"), client.get(f"/api/v1/trips/{uuid.uuid4()}")):
        _assert_hardened(response.headers)
        assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert "Strict-Transport-Security" not in response.headers  # not outside production


def test_the_docs_page_gets_a_policy_without_inline_script_or_other_origins(
    client: FlaskClient,
) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    _assert_hardened(response.headers)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy
    assert "connect-src 'self'" in policy  # Swagger UI fetches the spec from this origin
    assert "http" not in policy  # no other origin is allowed anything


def test_production_adds_hsts(make_client: ClientFactory) -> None:
    response = make_client(environment=Environment.PRODUCTION).get("/healthz")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def test_cors_answers_only_the_configured_origins(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=(ORIGIN,))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
    }

    allowed = client.options(LOGIN, headers={"Origin": ORIGIN, **preflight})
    other = client.options(LOGIN, headers={"Origin": "https://evil.example", **preflight})

    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Origin" not in other.headers
    plain = client.get("/api/v1/trips", headers={"Origin": ORIGIN})
    assert "X-Request-ID" in plain.headers["Access-Control-Expose-Headers"]


def test_without_configured_origins_there_is_no_cors(client: FlaskClient) -> None:
    response = client.get("/api/v1/trips", headers={"Origin": ORIGIN})

    assert "Access-Control-Allow-Origin" not in response.headers


def _login(client: FlaskClient, remote: str, forwarded: str) -> int:
    body = {"email": f"{uuid.uuid4().hex[:10]}@example.com", "password": "WrongPass123"}
    response = client.post(
        LOGIN,
        json=body,
        headers={"X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": remote},
    )
    return response.status_code


def test_a_forged_forwarded_for_does_not_reset_the_login_limit(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_login=RateLimit(2, 3600))

    statuses = [_login(client, "198.51.100.7", f"203.0.113.{n}") for n in range(3)]

    assert statuses == [401, 401, 429]


def test_a_trusted_proxy_hop_identifies_each_client(make_client: ClientFactory) -> None:
    client = make_client(rate_limit_login=RateLimit(2, 3600), trusted_proxies=1)
    proxy = "10.0.0.1"

    distinct = [_login(client, proxy, f"203.0.113.{n}") for n in range(3)]
    # The client forges an extra hop in front of what our proxy appended: only the last counts.
    forged = [_login(client, proxy, f"192.0.2.{n}, 198.51.100.7") for n in range(3)]

    assert distinct == [401, 401, 401]
    assert forged == [401, 401, 429]
