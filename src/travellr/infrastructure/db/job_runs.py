"""The record of scheduled job runs, and the lease that makes one scheduler per database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from travellr.infrastructure.db import tables

_r = tables.job_runs.c
_l = tables.scheduler_leases.c
LEASE = "scheduler"


@dataclass(frozen=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    counts: dict[str, int]
    error: str | None
    runner: str


def record_run(
    engine: Engine,
    job: str,
    *,
    started_at: datetime,
    finished_at: datetime,
    outcome: str,
    counts: dict[str, int],
    error: str | None,
    runner: str,
) -> None:
    """One row per finished run: a single write, so recording costs a job little."""
    with engine.begin() as connection:
        connection.execute(
            insert(tables.job_runs).values(
                job=job,
                started_at=started_at,
                finished_at=finished_at,
                outcome=outcome,
                counts=json.dumps(counts, sort_keys=True),
                error=error,
                runner=runner,
            )
        )


def last_runs(engine: Engine) -> dict[str, JobRun]:
    """The latest recorded run of each job, by job name."""
    latest = select(_r.job, func.max(_r.id).label("id")).group_by(_r.job).subquery("latest_runs")
    query = select(tables.job_runs).join(latest, latest.c.id == _r.id)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return {row["job"]: _run(row) for row in rows}


def runs_of(engine: Engine, job: str, limit: int = 100) -> list[JobRun]:
    """The latest runs of one job, newest first."""
    query = select(tables.job_runs).where(_r.job == job).order_by(_r.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [_run(row) for row in connection.execute(query).mappings()]


def take_lease(engine: Engine, holder: str, *, now: datetime, ttl: timedelta) -> bool:
    """Take (or extend) the scheduler lease when it is free, expired or already `holder`'s.

    One upsert: the row is made by whoever asks first, and then changes hands only when its
    condition holds. PostgreSQL re-checks the condition on the locked row and SQLite runs
    writers one at a time, so two processes asking at once never both get it."""
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    lease = tables.scheduler_leases
    statement = (
        insert(lease)
        .values(name=LEASE, holder=holder, expires_at=now + ttl)
        .on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": holder, "expires_at": now + ttl},
            where=(lease.c.holder == holder) | (lease.c.expires_at < now),
        )
        .returning(lease.c.name)
    )
    with engine.begin() as connection:
        return connection.execute(statement).first() is not None


def release_lease(engine: Engine, holder: str, *, now: datetime) -> None:
    """Let another process take the lease at once (a stopping holder's courtesy)."""
    released = (
        update(tables.scheduler_leases)
        .where(_l.name == LEASE, _l.holder == holder)
        .values(holder=None, expires_at=now)
    )
    with engine.begin() as connection:
        connection.execute(released)


def lease_holder(engine: Engine, *, now: datetime) -> str | None:
    """Who holds the lease now, if anyone."""
    query = select(_l.holder).where(_l.name == LEASE, _l.expires_at >= now)
    with engine.connect() as connection:
        return connection.scalar(query)


def _run(row: object) -> JobRun:
    values = dict(row)  # type: ignore[call-overload]
    return JobRun(
        job=values["job"],
        started_at=values["started_at"],
        finished_at=values["finished_at"],
        outcome=values["outcome"],
        counts=json.loads(values["counts"] or "{}"),
        error=values["error"],
        runner=values["runner"],
    )
