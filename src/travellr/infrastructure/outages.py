"""Which backing service an error says is not answering, told apart from a bug."""

from __future__ import annotations

import sqlite3

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import exc

# SQLite's errors that mean "not now" rather than a bug (no such table, bad SQL).
_SQLITE_BUSY = ("database is locked", "unable to open database file", "disk i/o error")


def unavailable_service(error: BaseException) -> str | None:
    """'database', 'redis' or 'broker' when `error` says that service does not answer (down,
    refusing connections, restarting, out of connections); None when it is anything else."""
    if isinstance(error, exc.TimeoutError):  # no pooled connection came free in time
        return "database"
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated:
            return "database"
        if isinstance(error.orig, sqlite3.Error):
            return "database" if str(error.orig).lower() in _SQLITE_BUSY else None
        # psycopg raises OperationalError for SQLSTATE classes 08 (connection), 53 (resources),
        # 55 (lock not available), 57 (shutdown, cancelled) and for a connection refused.
        return "database" if isinstance(error, exc.OperationalError) else None
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        return "redis"
    if isinstance(error, BrokerError):
        return "broker"
    return None


def outage(error: BaseException) -> tuple[str, str] | None:
    """(the service, a one-line reason) when `error` says a backing service does not answer."""
    service = unavailable_service(error)
    return None if service is None else (service, summary(error))


def summary(error: BaseException) -> str:
    """The error's first line, for a log line without a traceback."""
    orig = getattr(error, "orig", None) or error
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0] if lines else ''}"
