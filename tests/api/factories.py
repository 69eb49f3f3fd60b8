"""Keyword-override factories for trips, bookings and payments, with times relative to now."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.api.conftest import Api
from travellr.infrastructure.db import tables

TRIPS = "/api/v1/trips"
BOOKINGS = "/api/v1/bookings"
PAYMENTS = "/api/v1/payments"
VISA = "pm_card_visa"
DECLINED = "pm_card_chargeDeclined"


def later(days: float = 0, hours: float = 0) -> str:
    """An ISO 8601 UTC time this far from now (negative for the past)."""
    moment = datetime.now(UTC) + timedelta(days=days, hours=hours)
    return moment.isoformat().replace("+00:00", "Z")


def trip_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Mont Blanc in a week",
        "description": "Guided hike",
        "destination": "Chamonix",
        "start_at": later(days=30),
        "end_at": later(days=37),
        "price": "150.00",
        "capacity": 10,
        **overrides,
    }


def make_trip(api: Api, vendor: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    response = api.client.post(TRIPS, json=trip_body(**overrides), headers=Api.auth(vendor))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def book(
    api: Api, traveller: dict[str, Any], trip: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    body = {"trip_id": trip["id"], "seats": 1, **overrides}
    response = api.client.post(BOOKINGS, json=body, headers=Api.auth(traveller))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def book_paid(
    api: Api, traveller: dict[str, Any], trip: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    booking = book(api, traveller, trip, payment_method=VISA, **overrides)
    assert booking["status"] == "confirmed"
    return booking


def payments_of(api: Api, account: dict[str, Any], booking: dict[str, Any]) -> list[Any]:
    response = api.client.get(
        PAYMENTS, query_string={"booking_id": booking["id"]}, headers=Api.auth(account)
    )
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def payment_of(api: Api, account: dict[str, Any], booking: dict[str, Any]) -> dict[str, Any]:
    (payment,) = [p for p in payments_of(api, account, booking) if p["status"] != "failed"]
    return dict(payment)


def get_trip(api: Api, trip: dict[str, Any]) -> dict[str, Any]:
    response = api.client.get(f"{TRIPS}/{trip['id']}")
    assert response.status_code == 200
    return dict(response.get_json())


def move_trip_start(app: Flask, trip: dict[str, Any], start_at: datetime) -> None:
    """Set a trip's start directly in the database (the API refuses a start in the past)."""
    trips = tables.trips
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(
            update(trips).where(trips.c.id == uuid.UUID(trip["id"])).values(start_at=start_at)
        )


def walk(client: FlaskClient, url: str, headers: dict[str, str] | None = None, **query: Any) -> Any:
    """Every item of a list, page by page, and the number of pages."""
    items: list[Any] = []
    pages, cursor = 0, None
    while True:
        args = {**query, **({"cursor": cursor} if cursor else {})}
        response = client.get(url, query_string=args, headers=headers or {})
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items, pages
        assert pages < 100
