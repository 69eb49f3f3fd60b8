"""A cache that is down degrades to the database: cached reads still answer 200, never 500."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.factories import TRIPS, trip_body
from tests.conftest import make_settings
from travellr.application.auth import register
from travellr.config import Settings
from travellr.domain.actors import Role
from travellr.infrastructure.cache.redis_cache import RedisCache
from travellr.infrastructure.db.uow import SqlUnitOfWork


@pytest.fixture
def settings(database_url: str) -> Settings:
    """REDIS_URL names a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_settings(database_url, redis_url=f"redis://127.0.0.1:{port}/0")


def _headers(app: Flask, role: Role) -> dict[str, str]:
    """A signed-in user made without the API: login's rate limiter needs Redis too."""
    services = app.extensions["travellr"]
    now = datetime.now(UTC)
    user = register(
        email=f"{uuid.uuid4().hex[:10]}@example.com",
        password="SecurePass123",
        name="Someone",
        phone=None,
        role=role,
        uow=SqlUnitOfWork(services.session_factory),
        hasher=services.hasher,
        now=now,
        as_operator=True,
    )
    return {"Authorization": f"Bearer {services.tokens.issue(user.id, role, now=now)}"}


def _ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()


def test_the_app_uses_the_redis_cache_it_was_given(app: Flask) -> None:
    assert isinstance(app.extensions["travellr"].cache, RedisCache)


def test_trips_are_served_from_the_database_while_the_cache_is_down(
    app: Flask, client: FlaskClient
) -> None:
    vendor, traveller = _headers(app, Role.VENDOR), _headers(app, Role.TRAVELER)
    trip = _ok(client.post(TRIPS, json=trip_body(capacity=5), headers=vendor))
    assert _ok(client.get(f"{TRIPS}/{trip['id']}")) == trip

    booked = client.post("/api/v1/bookings", json={"trip_id": trip["id"]}, headers=traveller)

    assert booked.status_code == 201
    assert _ok(client.get(f"{TRIPS}/{trip['id']}"))["seats_left"] == 4
    assert [item["id"] for item in _ok(client.get(TRIPS))["items"]] == [trip["id"]]


def test_analytics_are_computed_from_the_database_while_the_cache_is_down(
    app: Flask, client: FlaskClient
) -> None:
    admin = _headers(app, Role.ADMIN)

    first = _ok(client.get("/api/v1/admin/analytics", headers=admin))
    second = _ok(client.get("/api/v1/admin/analytics", headers=admin))

    assert first == second
    assert first["users"]["by_role"]["admin"] == 1
