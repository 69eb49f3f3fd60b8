"""/metrics in one process: route templates as labels, business counters from domain events."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from tests.api.conftest import Api
from tests.api.factories import book_paid, make_trip
from tests.conftest import make_settings
from travellr.app import create_app


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_are_counted_by_route_template_never_by_raw_path(client: FlaskClient) -> None:
    trip_route = "/api/v1/trips/<uuid:trip_id>"
    labels = {"method": "GET", "route": trip_route, "status": "404"}
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    before, before_unmatched = (
        _sample("travellr_http_requests_total", **labels),
        _sample("travellr_http_requests_total", **unmatched),
    )

    for _ in range(3):
        client.get(f"/api/v1/trips/{uuid.uuid4()}")
    client.get(f"/no/such/page/{uuid.uuid4()}")

    assert _sample("travellr_http_requests_total", **labels) == before + 3
    assert _sample("travellr_http_requests_total", **unmatched) == before_unmatched + 1
    body = client.get("/metrics").text
    assert f'route="{trip_route}"' in body
    assert "/no/such/page" not in body
    assert "travellr_http_request_duration_seconds_bucket" in body
    assert "travellr_http_requests_in_flight" in body
    assert "travellr_db_pool_checked_out" in body


def test_bookings_and_payments_are_counted_from_their_events(api: Api) -> None:
    vendor, traveler = api.register("vendor"), api.register()
    created = _sample("travellr_bookings_total", outcome="created")
    confirmed = _sample("travellr_bookings_total", outcome="confirmed")
    paid = _sample("travellr_payments_total", outcome="succeeded")

    book_paid(api, traveler, make_trip(api, vendor))

    assert _sample("travellr_bookings_total", outcome="created") == created + 1
    assert _sample("travellr_bookings_total", outcome="confirmed") == confirmed + 1
    assert _sample("travellr_payments_total", outcome="succeeded") == paid + 1


def test_metrics_stay_out_of_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]

    assert client.get("/metrics").status_code == 200
    assert not [path for path in paths if "metrics" in path]


def test_metrics_can_be_switched_off(database_url: str) -> None:
    app = create_app(make_settings(database_url, metrics_enabled=False))

    assert app.test_client().get("/metrics").status_code == 404
    app.extensions["travellr"].engine.dispose()
