"""A database that goes away: 503 with Retry-After (never 500), one log line per request, and
after it comes back no request fails, not even on a connection that died while it was away."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.api.conftest import Api
from tests.api.factories import BOOKINGS, VISA, make_trip
from tests.conftest import make_settings
from tests.faults.conftest import BlockableDatabase
from travellr.app import create_app

pytestmark = pytest.mark.postgres
REGISTRATION = {"email": "new@example.com", "password": "SecurePass123", "name": "New"}


@pytest.fixture
def app(blockable_database: BlockableDatabase) -> Iterator[Flask]:
    app = create_app(make_settings(blockable_database.url))
    yield app
    app.extensions["travellr"].engine.dispose()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app, app.test_client())


def _requests(api: Api, traveller: dict[str, Any], trip: dict[str, Any]) -> list[Any]:
    """One of each kind: sign-in, a read as a user, a booking, a booking paid at once."""
    client, auth = api.client, Api.auth(traveller)
    credentials = {"email": traveller["user"]["email"], "password": traveller["password"]}
    return [
        client.post("/api/v1/auth/login", json=credentials),
        client.get("/api/v1/users/me", headers=auth),
        client.get(BOOKINGS, headers=auth),
        client.post(BOOKINGS, json={"trip_id": trip["id"]}, headers=auth),
        client.post(BOOKINGS, json={"trip_id": trip["id"], "payment_method": VISA}, headers=auth),
    ]


def test_requests_while_the_database_is_away_are_503_with_retry_after(
    api: Api, blockable_database: BlockableDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    blockable_database.block()

    with caplog.at_level("WARNING"):
        registered = api.client.post("/api/v1/auth/register", json=REGISTRATION)
        responses = [*_requests(api, traveller, trip), registered]

    for response in responses:
        assert response.status_code == 503, response.get_json()
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["code"] == "service_unavailable"
        assert int(response.headers["Retry-After"]) > 0
    unavailable = [r for r in caplog.records if r.getMessage() == "service unavailable"]
    assert len(unavailable) == len(responses)
    assert {r.service for r in unavailable} == {"database"}  # type: ignore[attr-defined]
    assert [r for r in caplog.records if r.exc_info] == []  # no traceback


def test_readyz_is_503_while_the_database_is_away_and_200_after(
    api: Api, blockable_database: BlockableDatabase
) -> None:
    blockable_database.block()
    away = api.client.get("/readyz")
    blockable_database.allow()
    back = api.client.get("/readyz")

    assert away.status_code == 503
    assert away.get_json()["failing"] == ["database"]
    assert back.status_code == 200


def test_after_the_database_comes_back_the_next_20_requests_succeed(
    api: Api, blockable_database: BlockableDatabase
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=100)
    blockable_database.block()
    assert {r.status_code for r in _requests(api, traveller, trip)} == {503}

    blockable_database.allow()
    statuses = [r.status_code for _ in range(4) for r in _requests(api, traveller, trip)]

    assert statuses == [200, 200, 200, 201, 201] * 4


def test_connections_that_died_in_the_pool_are_replaced_without_failing_a_request(
    app: Flask, api: Api, blockable_database: BlockableDatabase
) -> None:
    """Every pooled connection of both engines is killed while no request runs, as a database
    restart does; the requests after it must not be the ones to find out."""
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"), capacity=100)
    services = app.extensions["travellr"]
    for engine in (services.engine, services.read_engine):
        _fill_pool(engine, 5)
    blockable_database.block()
    blockable_database.allow()

    statuses = [r.status_code for _ in range(4) for r in _requests(api, traveller, trip)]

    assert statuses == [200, 200, 200, 201, 201] * 4


def _fill_pool(engine: Engine, connections: int) -> None:
    opened = [engine.connect() for _ in range(connections)]
    for connection in opened:
        connection.exec_driver_sql("SELECT 1")
        connection.close()


def test_a_key_that_got_a_503_succeeds_on_its_first_retry_after_recovery(
    api: Api, blockable_database: BlockableDatabase
) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register(role="vendor"))
    headers = {**Api.auth(traveller), "Idempotency-Key": f"outage-{uuid.uuid4().hex}"}
    body = {"trip_id": trip["id"], "payment_method": VISA}

    blockable_database.block()
    during = api.client.post(BOOKINGS, json=body, headers=headers)
    blockable_database.allow()
    retry = api.client.post(BOOKINGS, json=body, headers=headers)
    again = api.client.post(BOOKINGS, json=body, headers=headers)

    assert during.status_code == 503
    assert retry.status_code == 201, retry.get_json()
    assert retry.get_json()["status"] == "confirmed"
    assert "Idempotent-Replayed" not in retry.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == retry.get_json()


def test_a_database_that_accepts_and_never_answers_is_503_not_a_hung_request(
    hung_port: int,
) -> None:
    """A frozen server: connecting gives up after the connect timeout (5 s), well inside
    gunicorn's 30 s, which would otherwise kill the worker and leave the client nothing."""
    app = create_app(make_settings(f"postgresql+psycopg://postgres@127.0.0.1:{hung_port}/x"))
    credentials = {"email": "someone@example.com", "password": "SecurePass123"}

    response = app.test_client().post("/api/v1/auth/login", json=credentials)

    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"
    app.extensions["travellr"].engine.dispose()
