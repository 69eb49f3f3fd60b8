"""Which errors say a backing service does not answer (a 503), and which are bugs (a 500)."""

from __future__ import annotations

import sqlite3

import pytest
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from sqlalchemy import exc

from travellr.infrastructure.outages import outage, unavailable_service


def _wrapped(kind: type[exc.DBAPIError], orig: Exception) -> exc.DBAPIError:
    return kind("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    ("error", "service"),
    [
        (exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "database"),
        (_wrapped(exc.OperationalError, Exception("connection refused")), "database"),
        (
            _wrapped(exc.OperationalError, sqlite3.OperationalError("database is locked")),
            "database",
        ),
        (_wrapped(exc.OperationalError, sqlite3.OperationalError("no such table: trips")), None),
        (_wrapped(exc.IntegrityError, Exception("duplicate key")), None),
        (_wrapped(exc.ProgrammingError, Exception("syntax error")), None),
        (RedisConnectionError("Connection refused"), "redis"),
        (ResponseError("WRONGTYPE"), None),
        (BrokerError("[Errno 111] Connection refused"), "broker"),
        (RuntimeError("a bug"), None),
    ],
)
def test_an_error_names_the_service_that_does_not_answer(
    error: BaseException, service: str | None
) -> None:
    assert unavailable_service(error) == service


def test_a_lost_connection_is_an_outage_whatever_its_kind() -> None:
    error = _wrapped(exc.InterfaceError, Exception("the connection is closed"))
    error.connection_invalidated = True

    assert unavailable_service(error) == "database"


def test_an_outage_comes_with_a_one_line_reason() -> None:
    orig = Exception("connection failed: FATAL:  the database system is starting up\nDETAIL: x")

    assert outage(_wrapped(exc.OperationalError, orig)) == (
        "database",
        "Exception: connection failed: FATAL:  the database system is starting up",
    )
