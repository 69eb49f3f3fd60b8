"""/metrics answers only with `Authorization: Bearer <METRICS_TOKEN>` when the token is set, and
production serves it only then."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.conftest import make_settings
from travellr.app import create_app
from travellr.config import Environment

TOKEN = "metrics-token-0123456789abcdef"


def _app(database_url: str, **overrides: object) -> Iterator[Flask]:
    app = create_app(make_settings(database_url, **overrides))
    yield app
    app.extensions["travellr"].engine.dispose()


@pytest.fixture
def guarded(database_url: str) -> Iterator[Flask]:
    yield from _app(database_url, environment=Environment.PRODUCTION, metrics_token=TOKEN)


@pytest.fixture
def production_without_token(database_url: str) -> Iterator[Flask]:
    yield from _app(database_url, environment=Environment.PRODUCTION)


def test_the_metrics_token_opens_metrics(guarded: Flask) -> None:
    response = guarded.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert "travellr_http_requests_total" in response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ", TOKEN, "Bearer é"],
)
def test_metrics_without_the_token_is_401(guarded: Flask, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    response = guarded.test_client().get("/metrics", headers=headers)

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "travellr_" not in response.text


def test_production_without_a_token_serves_no_metrics(production_without_token: Flask) -> None:
    client = production_without_token.test_client()

    assert client.get("/metrics").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_development_without_a_token_keeps_metrics_open(database_url: str) -> None:
    for app in _app(database_url, environment=Environment.DEVELOPMENT):
        assert app.test_client().get("/metrics").status_code == 200
