"""Helpers of the webhook tests (API and console): register an endpoint, run the sender and
the fan-out as the workers do, read deliveries, verify a delivery as an integrator would."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import select
from standardwebhooks import Webhook

from tests.api.conftest import Api
from tests.support.webhook_receiver import PUBLIC_HOSTS
from travellr.application.webhooks import deliver_due
from travellr.infrastructure.db import tables
from travellr.workers.dispatch import handlers_for

ENDPOINTS = "/api/v1/webhook-endpoints"


def use_known_hosts(app: Flask) -> None:
    services = app.extensions["travellr"]
    services.webhooks = replace(services.webhooks, resolver=PUBLIC_HOSTS)


def register(
    api: Api, owner: dict[str, Any], url: str, events: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"url": url, "events": events or ["*"], **extra}
    response = api.client.post(ENDPOINTS, json=body, headers=api.auth(owner))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


def send(app: Flask, now: datetime | None = None) -> int:
    """One run of the sender, as the `deliver-webhooks` job makes it, at `now`."""
    adapters = app.extensions["travellr"].webhooks
    return deliver_due(
        store=adapters.store,
        box=adapters.box,
        resolver=adapters.resolver,
        poster=adapters.poster,
        rules=adapters.rules,
        now=now or datetime.now(UTC),
    )


def verify(received: Any, secret: str) -> Any:
    return Webhook(secret).verify(received.body, received.headers)


def fan_out_events(app: Flask, now: datetime | None = None) -> None:
    """What the workers do with each committed event: run its `webhooks` handler."""
    services = app.extensions["travellr"]
    with services.engine.connect() as connection:
        ids = list(connection.scalars(select(tables.outbox.c.event_id).order_by("id")))
    for event_id in ids:
        event = services.outbox.load_event(event_id)
        assert event is not None
        for name, handler in handlers_for(event.name):
            if name == "webhooks":
                handler(event, services=services, now=now or datetime.now(UTC), final_attempt=False)


def deliveries(api: Api, owner: dict[str, Any], endpoint: dict[str, Any], **query: Any) -> Any:
    response = api.client.get(
        f"{ENDPOINTS}/{endpoint['id']}/deliveries", query_string=query, headers=api.auth(owner)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()
