"""Redis configured but down or hung: everything still answers, quickly, and correctly."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import PASSWORD, Api
from tests.api.factories import BOOKINGS, PAYMENTS, VISA, make_trip
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.config import RateLimit

# Generous, against the 5 s a hung Redis used to cost: this checks that requests do not wait
# on Redis, not how fast they are.
BOUND_SECONDS = 2.0


@pytest.fixture(params=["down", "hung"])
def redis_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_redis_url"))


@pytest.fixture
def app(database_url: str, redis_url: str) -> Iterator[Flask]:
    settings = make_settings(database_url, redis_url=redis_url, rate_limit_login=RateLimit(3, 60))
    app = create_app(settings)
    yield app
    app.extensions["travellr"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class TimedClient:
    """The test client, asserting that each request finishes within BOUND_SECONDS."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            response = getattr(self._client, method)(*args, **kwargs)
            assert time.monotonic() - started < BOUND_SECONDS, (method, args)
            return response

        return call


@pytest.fixture
def api(app: Flask, client: FlaskClient) -> Api:
    return Api(app, TimedClient(client))  # type: ignore[arg-type]


def test_register_login_book_and_pay_work_without_redis(api: Api) -> None:
    vendor = api.register(role="vendor")
    traveller = api.register()
    login = api.client.post(
        "/api/v1/auth/login", json={"email": traveller["user"]["email"], "password": PASSWORD}
    )
    trip = make_trip(api, vendor)
    assert api.client.get(f"/api/v1/trips/{trip['id']}").status_code == 200
    auth = Api.auth(login.get_json())

    booked = api.client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=auth)
    paid = api.client.post(
        PAYMENTS, json={"booking_id": booked.get_json()["id"], "payment_method": VISA}, headers=auth
    )
    listed = api.client.get(f"/api/v1/trips/{trip['id']}")

    assert login.status_code == 200, login.get_json()
    assert booked.status_code == 201, booked.get_json()
    assert paid.status_code == 201, paid.get_json()
    assert paid.get_json()["status"] == "succeeded"
    assert listed.get_json()["seats_left"] == 9  # the cache, bypassed, never hides a booking


def test_readyz_stays_200_and_names_redis_as_degraded(api: Api) -> None:
    response = api.client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "degraded"
    assert response.get_json()["degraded"] == ["redis"]


def test_login_is_still_rate_limited_in_the_process(api: Api) -> None:
    traveller = api.register()
    credentials = {"email": traveller["user"]["email"], "password": PASSWORD}

    statuses = [api.client.post("/api/v1/auth/login", json=credentials) for _ in range(4)]

    assert [r.status_code for r in statuses] == [200, 200, 200, 429]
    assert int(statuses[-1].headers["Retry-After"]) > 0


def test_a_revoked_token_stays_revoked_without_redis(api: Api) -> None:
    """Revocations live in the database, not in Redis."""
    traveller = api.register()

    logout = api.client.post("/api/v1/auth/logout", headers=Api.auth(traveller))
    after = api.client.get("/api/v1/users/me", headers=Api.auth(traveller))

    assert logout.status_code == 204
    assert after.status_code == 401


def test_falling_back_is_logged_once_without_a_traceback(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING"):
        for _ in range(3):
            api.register()
            api.client.get("/api/v1/trips")

    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "redis does not answer: rate limits count in this process and the cache is "
        "bypassed until it does"
    ]
    assert caplog.records[0].exc_info is None
