"""Small keyword-override factories for API tests, each user with a unique email."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.memory_cache import MemoryCache
from travellr.application.auth import register
from travellr.domain.actors import Role
from travellr.infrastructure.cache.cached_reads import invalidate_on_events
from travellr.infrastructure.db.uow import SqlUnitOfWork

PASSWORD = "SecurePass123"


class Api:
    """Calls the API as a given user; keeps the test bodies short."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def register(self, role: str = "traveler", **overrides: Any) -> dict[str, Any]:
        body = {
            "email": f"{uuid.uuid4().hex[:10]}@example.com",
            "password": PASSWORD,
            "name": "Test User",
            "role": role,
            **overrides,
        }
        response = self.client.post("/api/v1/auth/register", json=body)
        assert response.status_code == 201, response.get_json()
        return {**response.get_json(), "password": body["password"]}

    def admin(self) -> dict[str, Any]:
        services = self.app.extensions["travellr"]
        email = f"admin-{uuid.uuid4().hex[:8]}@example.com"
        register(
            email=email,
            password=PASSWORD,
            name="Admin",
            phone=None,
            role=Role.ADMIN,
            uow=SqlUnitOfWork(services.session_factory),
            hasher=services.hasher,
            now=datetime.now(UTC),
            as_operator=True,
        )
        response = self.client.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert response.status_code == 200
        return dict(response.get_json())

    @staticmethod
    def auth(account: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {account['access_token']}"}


@pytest.fixture
def process_cache(app: Flask) -> MemoryCache:
    """An in-process cache for this app, kept in step by its events as Redis would be.

    The product caches only in Redis; a test app is one process, where this is exact and
    keeps the caching tests free of other sessions sharing a Redis."""
    services = app.extensions["travellr"]
    services.cache = MemoryCache()
    invalidate_on_events(services.events, services.cache, services.engine)
    return services.cache


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    return Api(app, client)
