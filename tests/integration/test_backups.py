"""`travellr db backup` / `db restore` give back every row, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import MetaData, create_engine, select, text

from tests.conftest import POSTGRES_URL, PostgresDatabase, requires_postgres
from tests.support.server import travellr_env
from travellr.cli import main
from travellr.infrastructure.backups import backup, backups
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.migrate import upgrade

NewDatabase = Callable[[], str]
TRAVELLR = [sys.executable, "-c", "from travellr.cli import main; main()"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabase]:
    """Makes brand-new, empty databases of one kind; drops them afterwards."""
    made: list[PostgresDatabase] = []
    counter = itertools.count()

    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path / f'db{next(counter)}.db'}"
        requires_postgres()
        assert POSTGRES_URL is not None
        made.append(
            PostgresDatabase(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://"))
        )
        return made[-1].url

    yield make
    for database in made:
        database.drop()


def _travellr(workdir: Path, database_url: str, *args: str) -> None:
    """The real command in its own process, as an operator runs it (engines and all)."""
    env = travellr_env(database_url, {"BACKUP_DIR": str(workdir / "backups")})
    result = subprocess.run(
        [*TRAVELLR, *args], env=env, cwd=workdir, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _every_row(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    """Every table (Alembic's own included) with its rows, in a stable order."""
    engine = create_engine(database_url)
    reflected = MetaData()
    reflected.reflect(engine)
    with engine.connect() as connection:
        rows = {
            name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for name, table in reflected.tables.items()
        }
    engine.dispose()
    return rows


def test_a_backup_restored_into_a_new_database_gives_back_every_row(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    source = new_database()
    _travellr(tmp_path, source, "db", "upgrade")
    _travellr(tmp_path, source, "seed")
    before = _every_row(source)
    assert all(before[name] for name in ("users", "trips", "bookings", "payments"))

    _travellr(tmp_path, source, "db", "backup")
    (dump,) = backups(tmp_path / "backups")
    fresh = new_database()
    _travellr(tmp_path, fresh, "db", "restore", "--yes", str(dump))

    _assert_restored_and_recorded(_every_row(fresh), before, dump.name)


def test_restoring_yesterdays_backup_undoes_a_mistake(
    new_database: NewDatabase, tmp_path: Path
) -> None:
    database = new_database()
    _travellr(tmp_path, database, "db", "upgrade")
    _travellr(tmp_path, database, "seed")
    before = _every_row(database)
    _travellr(tmp_path, database, "db", "backup")
    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(text("UPDATE trips SET title = 'oops'"))
    engine.dispose()
    assert _every_row(database) != before

    (dump,) = backups(tmp_path / "backups")
    _travellr(tmp_path, database, "db", "restore", "--yes", str(dump))

    _assert_restored_and_recorded(_every_row(database), before, dump.name)


def _assert_restored_and_recorded(
    after: dict[str, list[tuple[object, ...]]],
    before: dict[str, list[tuple[object, ...]]],
    dump: str,
) -> None:
    """Every row is the backup's, and the audit log has the backup's entries and one more: the
    restore's own, by the system."""
    log = after.pop("audit_log")
    assert after == {name: rows for name, rows in before.items() if name != "audit_log"}
    assert before["audit_log"]  # the demo data's trips were created through the use cases
    assert all(row in log for row in before["audit_log"])
    (entry,) = [row for row in log if row not in before["audit_log"]]
    columns = [column.name for column in tables.audit_log.columns]
    recorded = dict(zip(columns, entry, strict=True))
    assert recorded["action"] == "database.restored"
    assert recorded["actor_id"] is None
    assert recorded["actor_role"] == "system"
    assert recorded["reason"] == f"travellr db restore {dump}"


def test_retention_keeps_only_the_newest_backups(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'travellr.db'}"
    upgrade(database)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    made = [
        backup(database, tmp_path / "backups", keep=3, now=start + timedelta(days=day))
        for day in range(5)
    ]

    assert backups(tmp_path / "backups") == made[-3:]


def test_restore_refuses_a_backup_of_the_other_kind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stray = tmp_path / "travellr-20260101T000000000000Z.dump"
    stray.write_bytes(b"not sqlite")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'travellr.db'}")

    result = CliRunner().invoke(main, ["db", "restore", "--yes", str(stray)])

    assert result.exit_code == 1
    assert "is not a SQLite backup" in result.output
