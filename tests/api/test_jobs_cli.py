"""`travellr jobs run NAME` runs each job against the configured database and records the run;
`travellr jobs list` shows it."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, select, text, update

from tests.api.conftest import Api
from tests.api.factories import book, book_paid, get_trip, make_trip
from travellr.cli import main
from travellr.infrastructure.db import tables

JOBS = ("expire-holds", "complete-bookings", "pay-vendors", "purge", "archive", "relay-outbox")


def _travellr(database_url: str, *args: str) -> Result:
    env = {"DATABASE_URL": database_url, "TRAVELLR_ENV": "testing", "LOG_LEVEL": "WARNING"}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _set(app: Flask, table: Any, row_id: str, **values: Any) -> None:
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == UUID(row_id)).values(**values))


def _status(api: Api, account: dict[str, Any], booking: dict[str, Any]) -> str:
    response = api.client.get(f"/api/v1/bookings/{booking['id']}", headers=api.auth(account))
    return str(response.get_json()["status"])


@pytest.mark.parametrize("job", JOBS)
def test_each_job_runs_by_hand_and_is_listed(database_url: str, job: str) -> None:
    ran = _travellr(database_url, "jobs", "run", job)

    assert ran.exit_code == 0, ran.output
    assert f"{job} finished" in ran.output
    listed = _travellr(database_url, "jobs", "list")
    assert listed.exit_code == 0, listed.output
    line = next(line for line in listed.output.splitlines() if line.startswith(job + " "))
    if job == "relay-outbox":  # nothing to publish: an idle relay run is not recorded
        assert "never" in line
    else:
        assert "succeeded" in line
        assert datetime.now(UTC).strftime("%Y-%m-%d") in line


def test_expire_holds_by_hand_gives_the_seats_back(app: Flask, api: Api, database_url: str) -> None:
    traveller = api.register()
    trip = make_trip(api, api.register("vendor"), capacity=5)
    held = book(api, traveller, trip, seats=2)
    _set(app, tables.bookings, held["id"], expires_at=datetime.now(UTC) - timedelta(seconds=1))

    ran = _travellr(database_url, "jobs", "run", "expire-holds")

    assert ran.exit_code == 0, ran.output
    assert '{"expired": 1}' in ran.output
    assert _status(api, traveller, held) == "expired"
    assert get_trip(api, trip)["seats_left"] == 5
    listed = _travellr(database_url, "jobs", "list").output
    assert '{"expired": 1}' in next(line for line in listed.splitlines() if "expire-holds" in line)


def test_complete_then_pay_by_hand(app: Flask, api: Api, database_url: str) -> None:
    vendor, traveller = api.register("vendor"), api.register()
    trip = make_trip(api, vendor, price="100.00")
    booking = book_paid(api, traveller, trip)
    ended = datetime.now(UTC) - timedelta(hours=1)
    _set(app, tables.trips, trip["id"], start_at=ended - timedelta(days=1), end_at=ended)
    _set(app, tables.bookings, booking["id"], trip_date=ended - timedelta(days=1))

    completed = _travellr(database_url, "jobs", "run", "complete-bookings")
    paid = _travellr(database_url, "jobs", "run", "pay-vendors")

    assert '{"completed": 1}' in completed.output
    assert '{"paid": 1}' in paid.output
    assert _status(api, traveller, booking) == "completed"
    with app.extensions["travellr"].engine.connect() as connection:
        payouts = connection.execute(select(tables.payouts.c.vendor_id)).scalars().all()
    assert payouts == [UUID(vendor["user"]["id"])]


def test_an_unknown_job_is_refused(database_url: str) -> None:
    ran = _travellr(database_url, "jobs", "run", "no-such-job")

    assert ran.exit_code == 1
    assert "expire-holds" in ran.output


def test_a_failing_job_exits_non_zero_and_is_recorded_as_failed(
    sqlite_template: Path, tmp_path: Path
) -> None:
    path = tmp_path / "broken.db"
    shutil.copy(sqlite_template, path)
    database_url = f"sqlite:///{path}"
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE revoked_tokens"))  # purge cannot finish now
    engine.dispose()

    ran = CliRunner().invoke(
        main, ["jobs", "run", "purge"], env={"DATABASE_URL": database_url, "LOG_LEVEL": "CRITICAL"}
    )

    assert ran.exit_code == 1
    assert "purge: OperationalError" in ran.output
    listed = _travellr(database_url, "jobs", "list").output
    line = next(line for line in listed.splitlines() if line.startswith("purge "))
    assert "failed" in line
    assert "revoked_tokens" in line
