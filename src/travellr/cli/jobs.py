"""`travellr jobs list` and `travellr jobs run NAME`: the scheduled jobs, seen and run by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import click

from travellr.config import Settings


def register_jobs_commands(main: click.Group, settings: Callable[[], Settings]) -> None:
    """Add the `jobs` group; `settings` loads the validated settings."""

    @main.group()
    def jobs() -> None:
        """The scheduled jobs: what runs when, and how each last ended."""

    @jobs.command("list")
    def jobs_list() -> None:
        """Every job, its schedule, when it last ran and how that run ended."""
        from travellr.bootstrap import build
        from travellr.workers.schedule import describe, job_schedules

        current = settings()
        services = build(current)
        runs = services.job_runs.last_runs()
        holder = services.scheduler_lease.holder(now=datetime.now(UTC))
        services.engine.dispose()
        click.echo(f"{'job':<18} {'schedule':<28} {'last run (UTC)':<20} {'outcome':<10} result")
        for name, schedule in job_schedules(current).items():
            run = runs.get(name)
            if run is None:
                click.echo(f"{name:<18} {describe(schedule):<28} {'never':<20}")
                continue
            started = run.started_at.strftime("%Y-%m-%d %H:%M:%S")
            result = run.error or json.dumps(run.counts, sort_keys=True)
            click.echo(
                f"{name:<18} {describe(schedule):<28} {started:<20} {run.outcome:<10} {result}"
            )
        if current.broker_url:
            click.echo("scheduler: Celery beat (BROKER_URL is set)")
        else:
            click.echo(f"scheduler: embedded, lease held by {holder or 'no running server'}")

    @jobs.command("run")
    @click.argument("name")
    def jobs_run(name: str) -> None:
        """Run one job now, in this process, and record the run; exit 0 when it finished."""
        from travellr.bootstrap import build
        from travellr.workers.celery_app import configure
        from travellr.workers.job_runs import JobFailed, run_recorded
        from travellr.workers.tasks import JOBS

        if name not in JOBS:
            raise click.ClickException(f"no job {name!r}; the jobs: {', '.join(JOBS)}")
        current = settings()
        services = build(current)
        configure(current, services)
        try:
            counts = run_recorded(name, JOBS[name], services.job_runs)
        except JobFailed as failure:
            raise click.ClickException(str(failure)) from failure
        finally:
            services.engine.dispose()
        click.echo(f"{name} finished: {json.dumps(counts, sort_keys=True)}")
