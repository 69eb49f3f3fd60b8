"""`travellr db backup` and `travellr db restore`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from travellr.config import Settings
from travellr.infrastructure.backups import BackupError, backup, restore


def register_backup_commands(group: click.Group, settings: Callable[[], Settings]) -> None:
    """Add backup and restore to the `db` group; `settings` loads the validated settings."""

    @group.command("backup")
    @click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--keep", type=click.IntRange(min=1), help="Backups to keep (BACKUP_KEEP).")
    def db_backup(directory: Path | None, keep: int | None) -> None:
        """Back the database up into BACKUP_DIR and delete all but the newest BACKUP_KEEP."""
        current = settings()
        target_dir = directory or Path(current.backup_dir)
        try:
            path = backup(
                current.database_url,
                target_dir,
                keep=keep or current.backup_keep,
                now=datetime.now(UTC),
            )
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"backup written to {path}")

    @group.command("restore")
    @click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def db_restore(source: Path, yes: bool) -> None:
        """Replace the database's contents with a backup made by `travellr db backup`."""
        current = settings()
        if not yes:
            click.confirm(
                f"Every row in the configured database is replaced by {source.name}. Go on?",
                abort=True,
            )
        try:
            restore(current.database_url, source)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        _audit_restore(current, source)
        click.echo(f"database restored from {source}")


def _audit_restore(settings: Settings, source: Path) -> None:
    """The entry goes into the restored database, whose audit log is now the backup's."""
    from travellr.application.audit import record_restore
    from travellr.bootstrap import build

    services = build(settings)
    try:
        record_restore(source.name, uow=services.new_uow(), now=datetime.now(UTC))
    finally:
        services.engine.dispose()
