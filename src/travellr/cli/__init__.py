"""The `travellr` command: serve, migrate, seed and administer."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click

from travellr.cli.backups import register_backup_commands
from travellr.cli.jobs import register_jobs_commands
from travellr.config import ConfigError, Settings
from travellr.observability.logs import configure_logging


@click.group()
def main() -> None:
    """Travellr backend."""


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def db() -> None:
    """Database schema."""


register_backup_commands(db, _settings)
register_jobs_commands(main, _settings)


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database to a revision (the latest by default)."""
    from travellr.infrastructure.db.migrate import upgrade

    upgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to a revision ('base' for empty)."""
    from travellr.infrastructure.db.migrate import downgrade

    downgrade(_settings().database_url, revision)
    click.echo(f"database at {revision}")


@main.command()
def seed() -> None:
    """Load the demo data when the database is empty, and print the demo logins."""
    from travellr.application.demo_data import load_demo_data
    from travellr.bootstrap import build
    from travellr.config import Environment

    settings = _settings()
    if settings.environment is Environment.PRODUCTION:
        raise click.ClickException("demo data is never loaded in production")
    services = build(settings)
    try:
        logins = load_demo_data(
            services.new_uow,
            services.hasher,
            services.gateway,
            services.payouts,
            hold=settings.booking_hold,
            policy=services.policy,
            commission=services.commission,
            now=datetime.now(UTC),
        )
    finally:
        services.engine.dispose()
    if not logins:
        click.echo("database not empty: demo data not loaded")
        return
    if not settings.binds_loopback_only:
        # Anyone on the network could sign in as the demo admin: say so, print no password.
        click.echo(f"demo data loaded; HOST={settings.host} is not loopback: logins not shown")
        return
    click.echo("demo logins (email / password):")
    for role, email, password in logins:
        click.echo(f"  {role:<9} {email} / {password}")


@main.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True, default="Administrator")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account (the only way to make the first admin)."""
    from travellr.application.auth import register
    from travellr.bootstrap import build
    from travellr.domain.actors import Role
    from travellr.domain.errors import DomainError

    if not 8 <= len(password) <= 128:
        raise click.ClickException("the password must be 8 to 128 characters")
    services = build(_settings())
    try:
        user = register(
            email=email,
            password=password,
            name=name,
            phone=None,
            role=Role.ADMIN,
            uow=services.new_uow(),
            hasher=services.hasher,
            now=datetime.now(UTC),
            as_operator=True,
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        services.engine.dispose()
    click.echo(f"admin {user.email} created ({user.id})")


@main.group()
def ledger() -> None:
    """The double-entry ledger."""


@ledger.command("check")
def ledger_check() -> None:
    """Verify that every ledger transaction balances and agrees with the bookings."""
    from travellr.infrastructure.db.engine import make_engine
    from travellr.infrastructure.db.ledger import check_books

    engine = make_engine(_settings().database_url)
    with engine.connect() as connection:
        problems = check_books(connection)
    engine.dispose()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(1)
    click.echo("ledger ok: every transaction balances and every vendor's balance agrees")


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", type=int, default=None, help="worker processes (default: CPUs)")
@click.option(
    "--queue",
    type=click.Choice(["all", "events", "webhooks"]),
    default="all",
    show_default=True,
    help="events: the relay, event handlers and jobs; webhooks: the webhook sender",
)
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def worker(concurrency: int | None, queue: str, celery_args: tuple[str, ...]) -> None:
    """Run a Celery worker: the outbox relay, event handlers and scheduled jobs, and the
    webhook sender (in production, one worker for each: `--queue events`, `--queue webhooks`)."""
    from travellr.workers.celery_app import configure

    settings = _settings()
    if settings.broker_url is None:
        raise click.ClickException("set BROKER_URL (redis:// or amqp://) to run a worker")
    queues = {
        "all": f"{settings.task_queue},{settings.webhook_task_queue}",
        "events": settings.task_queue,
        "webhooks": settings.webhook_task_queue,
    }
    argv = ["worker", f"--loglevel={settings.log_level}", f"--queues={queues[queue]}", *celery_args]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    configure_logging(settings.log_level)
    configure(settings).worker_main(argv)


@main.command("worker-ping")
@click.option("--node", default=None, help="the worker's node name (default: celery@<host>)")
@click.option("--timeout", type=float, default=5.0, show_default=True)
def worker_ping(node: str | None, timeout: float) -> None:
    """Exit 0 when this host's worker answers a ping through the broker (a health check)."""
    from travellr.workers.celery_app import configure

    node = node or f"celery@{socket.gethostname()}"
    replies = configure(_settings()).control.ping(destination=[node], timeout=timeout)
    if not replies:
        raise click.ClickException(f"{node} did not answer within {timeout} s")
    click.echo(f"{node} answered")


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("celery_args", nargs=-1, type=click.UNPROCESSED)
def beat(celery_args: tuple[str, ...]) -> None:
    """Run Celery Beat: it queues the scheduled jobs (one beat per deployment)."""
    from travellr.workers.celery_app import configure

    settings = _settings()
    if settings.broker_url is None:
        raise click.ClickException("set BROKER_URL (redis:// or amqp://) to run beat")
    configure_logging(settings.log_level)
    # Beat keeps its last-run times in a file; the working directory may not be writable.
    schedule = Path(tempfile.gettempdir()) / "travellr-celerybeat-schedule"
    argv = ["beat", f"--loglevel={settings.log_level}", f"--schedule={schedule}", *celery_args]
    configure(settings).start(argv)


@main.command()
@click.option("--host", default=None, help="default: HOST (127.0.0.1; 0.0.0.0 in production)")
@click.option("--port", type=int, envvar="PORT", default=5000, show_default=True)
@click.option("--workers", type=int, envvar="WEB_CONCURRENCY", default=None)
def serve(host: str | None, port: int, workers: int | None) -> None:
    """Serve the API under gunicorn."""
    settings = _settings()  # fail fast on a bad configuration, before gunicorn forks
    host = host or settings.host
    # The packaged config: timeouts, JSON access log, Prometheus multiprocess directory, and
    # workers from the CPU count unless --workers / WEB_CONCURRENCY say otherwise.
    argv = ["gunicorn", "--config", "python:travellr.cli.gunicorn_conf", "--bind", f"{host}:{port}"]
    argv += ["--workers", str(workers)] if workers else []
    argv.append("travellr.wsgi:app")
    os.execvp(sys.executable, [sys.executable, "-m", *argv])  # noqa: S606
