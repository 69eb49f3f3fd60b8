"""Without BROKER_URL (the embedded default) a commit's events are relayed and handled on a
background thread of the API process: the request that caused them never waits for their
handlers, and kombu, which has no broker to talk to, has nothing to warn about."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from tests.api.conftest import Api
from tests.api.factories import book, make_trip
from tests.conftest import make_settings
from tests.support.server import free_port
from travellr.config import Settings
from travellr.infrastructure.db import tables
from travellr.workers.celery_app import RELAY, attach

HOLD_SECONDS = 10


class HeldMailbox:
    """An SMTP server that takes each message and holds its answer until `release` is set
    (at most HOLD_SECONDS): a mail server that has become slow."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.holding = threading.Event()
        self.accepted: list[list[str]] = []

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.holding.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, HOLD_SECONDS)
        self.accepted.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[tuple[HeldMailbox, int]]:
    mailbox, port = HeldMailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    mailbox.release.set()
    controller.stop()


@pytest.fixture
def settings(database_url: str, mailbox: tuple[HeldMailbox, int]) -> Settings:
    _held, port = mailbox
    return make_settings(
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Travellr <no-reply@travellr.example>",
        smtp_starttls=False,
    )


def _unhandled_events(app: Flask) -> int:
    with app.extensions["travellr"].engine.connect() as connection:
        count = connection.scalar(
            select(func.count())
            .select_from(tables.outbox)
            .where(tables.outbox.c.handled_at.is_(None))
        )
    return int(count or 0)


def test_a_booking_is_answered_while_its_email_is_still_being_sent(
    app: Flask, api: Api, mailbox: tuple[HeldMailbox, int]
) -> None:
    held, _port = mailbox
    attach(app)  # what wsgi.py does
    vendor, traveller = api.register("vendor"), api.register()
    trip = make_trip(api, vendor)
    assert app.extensions[RELAY].drain(timeout=30)
    held.accepted.clear()  # the sign-up emails, if any

    started = time.monotonic()
    booking = book(api, traveller, trip)
    answered_in = time.monotonic() - started

    assert booking["status"] == "pending"
    assert held.holding.wait(HOLD_SECONDS)  # the handler is at the mail server, not done
    assert held.accepted == []
    assert answered_in < HOLD_SECONDS / 2
    assert _unhandled_events(app) >= 1

    held.release.set()
    assert app.extensions[RELAY].drain(timeout=30)
    assert [traveller["user"]["email"]] in held.accepted
    assert _unhandled_events(app) == 0


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_booking_with_no_broker_logs_no_kombu_warning(
    app: Flask, api: Api, mailbox: tuple[HeldMailbox, int]
) -> None:
    mailbox[0].release.set()
    attach(app)
    kombu, warnings = logging.getLogger("kombu"), Collect()  # after the app set up logging
    kombu.addHandler(warnings)
    try:
        book(api, api.register(), make_trip(api, api.register("vendor")))
        assert app.extensions[RELAY].drain(timeout=30)
    finally:
        kombu.removeHandler(warnings)

    assert _unhandled_events(app) == 0  # the relay ran: it had the chance to warn
    assert warnings.messages == []
