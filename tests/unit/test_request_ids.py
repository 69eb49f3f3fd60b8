"""A task's log lines carry the id of the request that queued it, and only that task's."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from flask import Flask, g

from travellr.observability.logs import JsonFormatter
from travellr.workers.request_ids import (
    HEADER,
    bind_request_id,
    stamp_request_id,
    unbind_request_id,
)


def _logged_request_id() -> object:
    record = logging.makeLogRecord({"name": "travellr.tasks", "msg": "sent", "levelname": "INFO"})
    return json.loads(JsonFormatter().format(record)).get("request_id")


def test_publishing_during_a_request_stamps_its_id_on_the_message() -> None:
    headers: dict[str, object] = {}
    with Flask(__name__).test_request_context():
        g.request_id = "req-123"
        stamp_request_id(headers=headers, sender="travellr.send_email")

    assert headers == {HEADER: "req-123"}


def test_publishing_outside_any_request_stamps_nothing() -> None:
    headers: dict[str, object] = {}
    stamp_request_id(headers=headers)

    assert headers == {}


def test_the_task_logs_with_the_id_it_was_queued_with_until_it_ends() -> None:
    task = SimpleNamespace(request=SimpleNamespace(**{HEADER: "req-123"}))

    bind_request_id(task=task, task_id="t1")
    during = _logged_request_id()
    unbind_request_id(task=task, task_id="t1")

    assert during == "req-123"
    assert _logged_request_id() is None


def test_celery_exposes_message_headers_on_the_task_request() -> None:
    context = pytest.importorskip("celery.app.task").Context

    bind_request_id(task=SimpleNamespace(request=context({HEADER: "req-9", "id": "t2"})))
    try:
        assert _logged_request_id() == "req-9"
    finally:
        unbind_request_id()
