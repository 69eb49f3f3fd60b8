"""`travellr seed`: the demo shows the whole life of the marketplace, and its logins are printed
only when the server is reachable from this machine alone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner, Result
from sqlalchemy import create_engine, select

from travellr.cli import main
from travellr.infrastructure.db import tables


def _travellr(database_url: str, *args: str, **env: str) -> Result:
    environment = {"DATABASE_URL": database_url, "TRAVELLR_ENV": "development", **env}
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def _rows(database_url: str, table: str, *columns: str) -> list[tuple[object, ...]]:
    engine = create_engine(database_url)
    chosen = tables.metadata.tables[table]
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(select(*(chosen.c[c] for c in columns)))]
    engine.dispose()
    return rows


def test_the_demo_shows_history_work_for_the_scheduler_and_what_comes_next(
    database_url: str,
) -> None:
    seeded = _travellr(database_url, "seed", BOOKING_HOLD_MINUTES="30")
    now = datetime.now(UTC)

    assert seeded.exit_code == 0, seeded.output
    assert "admin@travellr.test / demo-password-123" in seeded.output
    statuses = Counter(status for (status,) in _rows(database_url, "bookings", "status"))
    assert statuses == {"completed": 2, "confirmed": 6, "pending": 2, "cancelled": 1}
    assert [status for (status,) in _rows(database_url, "payouts", "status")] == ["paid"]
    assert [status for (status,) in _rows(database_url, "refunds", "status")] == ["succeeded"]
    holds = [
        expires for status, expires in _rows(database_url, "bookings", "status", "expires_at")
        if status == "pending"
    ]  # fmt: skip
    for expires in holds:  # a few minutes after the seed, whatever BOOKING_HOLD_MINUTES
        assert now < expires.replace(tzinfo=UTC) <= now + timedelta(minutes=3)  # type: ignore[attr-defined]
    assert _travellr(database_url, "ledger", "check").exit_code == 0

    # The scheduler's first tick: the trip that ended completes, and its vendor is paid.
    assert '{"completed": 2}' in _travellr(database_url, "jobs", "run", "complete-bookings").output
    assert '{"paid": 1}' in _travellr(database_url, "jobs", "run", "pay-vendors").output
    assert len(_rows(database_url, "payouts", "id")) == 2
    assert _travellr(database_url, "ledger", "check").exit_code == 0


def test_the_logins_are_not_printed_when_the_server_is_open_to_the_network(
    database_url: str,
) -> None:
    seeded = _travellr(database_url, "seed", HOST="0.0.0.0")  # noqa: S104

    assert seeded.exit_code == 0, seeded.output
    assert "demo-password" not in seeded.output
    assert "not loopback" in seeded.output
    assert len(_rows(database_url, "users", "id")) == 5


def test_a_second_seed_changes_nothing(database_url: str) -> None:
    _travellr(database_url, "seed")

    again = _travellr(database_url, "seed")

    assert "database not empty" in again.output
    assert len(_rows(database_url, "users", "id")) == 5
