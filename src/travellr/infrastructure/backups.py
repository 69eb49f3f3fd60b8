"""Database backups: pg_dump's custom format for PostgreSQL, the online backup API for SQLite."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

PREFIX = "travellr-"
POSTGRES_SUFFIX = ".dump"
SQLITE_SUFFIX = ".sqlite3"


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def backup(database_url: str, backup_dir: Path, *, keep: int, now: datetime) -> Path:
    """Write a backup of the database into `backup_dir`, keeping only the newest `keep`."""
    url = make_url(database_url)
    backup_dir.mkdir(parents=True, exist_ok=True)
    # The timestamp sorts as text, so the file names order the backups by age.
    stem = PREFIX + now.strftime("%Y%m%dT%H%M%S%fZ")
    sqlite = url.get_backend_name() == "sqlite"
    target = backup_dir / (stem + (SQLITE_SUFFIX if sqlite else POSTGRES_SUFFIX))
    partial = target.with_suffix(".partial")
    if sqlite:
        _copy_sqlite(_sqlite_path(url), str(partial))
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={partial}"], url)
    partial.rename(target)  # a backup that failed halfway never looks like a good one
    prune(backup_dir, keep=keep)
    return target


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with those of the backup at `source`."""
    if not source.is_file():
        raise BackupError(f"no backup at {source}")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if source.suffix != SQLITE_SUFFIX:
            raise BackupError(f"{source.name} is not a SQLite backup")
        _copy_sqlite(str(source), _sqlite_path(url))
        return
    if source.suffix != POSTGRES_SUFFIX:
        raise BackupError(f"{source.name} is not a PostgreSQL backup")
    # One transaction: a restore that fails leaves the database as it was.
    options = ["--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction"]
    _run(["pg_restore", *options, str(source)], url)


def backups(backup_dir: Path) -> list[Path]:
    """The backups in `backup_dir`, oldest first."""
    if not backup_dir.is_dir():
        return []
    found = [
        path
        for path in backup_dir.iterdir()
        if path.name.startswith(PREFIX) and path.suffix in {POSTGRES_SUFFIX, SQLITE_SUFFIX}
    ]
    return sorted(found, key=lambda path: path.name)


def prune(backup_dir: Path, *, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups; return what was deleted."""
    doomed = backups(backup_dir)[:-keep] if keep > 0 else backups(backup_dir)
    for path in doomed:
        path.unlink()
    return doomed


def _copy_sqlite(source: str, target: str) -> None:
    # The backup API copies a consistent snapshot page by page while other connections write,
    # which a plain file copy of a WAL-mode database cannot promise.
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def _sqlite_path(url: URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return url.database


def _run(command: list[str], url: URL) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (apt-get install postgresql-client)")
    # The password goes through the environment: a command line is visible to every user. The
    # rest of the environment is inherited as is (PATH, PGSSLMODE and the like).
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    result = subprocess.run(  # noqa: S603 - a fixed tool with our own arguments
        [*command, f"--dbname={dsn}"], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
