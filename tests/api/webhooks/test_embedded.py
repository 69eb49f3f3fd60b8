"""Without a broker (the embedded default) webhooks go out from a background thread of the API
process: the request that caused the event never waits for the endpoint."""

from __future__ import annotations

import time

from flask import Flask

from tests.api.conftest import Api
from tests.api.factories import book, make_trip
from tests.api.webhook_support import deliveries, register
from tests.support.webhook_receiver import Receiver
from travellr.workers.celery_app import attach


def _wait_for(receiver: Receiver, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(receiver.received) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.received) >= count


def test_a_booking_is_answered_while_its_webhook_is_still_being_sent(
    api: Api, app: Flask, receiver: Receiver
) -> None:
    attach(app)  # what wsgi.py does: committed events run the workers' side in-process
    receiver.hang = True  # the endpoint takes the request and never answers
    vendor = api.register("vendor")
    endpoint = register(api, vendor, receiver.url, ["booking.created"])

    booking = book(api, api.register(), make_trip(api, vendor))
    _wait_for(receiver, 1)

    [delivery] = deliveries(api, vendor, endpoint)["items"]
    assert booking["status"] == "pending"
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert delivery["last_error"] is None  # still in flight: the request did not wait for it

    receiver.stopping.set()  # the endpoint answers at last: the thread records the success
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [delivery] = deliveries(api, vendor, endpoint)["items"]
        if delivery["status"] != "pending":
            break
        time.sleep(0.05)
    assert (delivery["status"], delivery["last_status_code"]) == ("succeeded", 200)
