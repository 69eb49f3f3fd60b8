"""The record of scheduled job runs, and the lease that makes one scheduler per database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from travellr.application.ports.scheduling import JobRun
from travellr.infrastructure.db import tables

_r = tables.job_runs.c
_l = tables.scheduler_leases.c
LEASE = "scheduler"


class SqlJobRunLog:
    """One row per finished run: a single write, so recording costs a job little."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, run: JobRun) -> None:
        values = {
            "job": run.job,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "outcome": run.outcome,
            "counts": json.dumps(run.counts, sort_keys=True),
            "error": run.error,
            "runner": run.runner,
        }
        with self._engine.begin() as connection:
            connection.execute(insert(tables.job_runs).values(**values))

    def last_runs(self) -> dict[str, JobRun]:
        latest = select(_r.job, func.max(_r.id).label("id")).group_by(_r.job).subquery("latest")
        query = select(tables.job_runs).join(latest, latest.c.id == _r.id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return {row["job"]: _run(row) for row in rows}

    def runs_of(self, job: str, limit: int = 100) -> list[JobRun]:
        query = select(tables.job_runs).where(_r.job == job).order_by(_r.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [_run(row) for row in connection.execute(query).mappings()]


class SqlSchedulerLease:
    """A row in `scheduler_leases`, made by whoever asks first.

    Taking it is one upsert whose update applies only when the lease is free, expired or the
    asker's own: PostgreSQL re-checks that condition on the locked row and SQLite runs writers
    one at a time, so two processes asking at once never both get it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        dialect = self._engine.dialect.name
        insert_or = postgresql.insert if dialect == "postgresql" else sqlite.insert
        lease = tables.scheduler_leases
        statement = (
            insert_or(lease)
            .values(name=LEASE, holder=holder, expires_at=now + ttl)
            .on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": holder, "expires_at": now + ttl},
                where=(lease.c.holder == holder) | (lease.c.expires_at < now),
            )
            .returning(lease.c.name)
        )
        with self._engine.begin() as connection:
            return connection.execute(statement).first() is not None

    def release(self, holder: str, *, now: datetime) -> None:
        released = (
            update(tables.scheduler_leases)
            .where(_l.name == LEASE, _l.holder == holder)
            .values(holder=None, expires_at=now)
        )
        with self._engine.begin() as connection:
            connection.execute(released)

    def holder(self, *, now: datetime) -> str | None:
        query = select(_l.holder).where(_l.name == LEASE, _l.expires_at >= now)
        with self._engine.connect() as connection:
            held: str | None = connection.scalar(query)
            return held


def _run(row: Any) -> JobRun:
    return JobRun(
        job=row["job"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        outcome=row["outcome"],
        counts=json.loads(row["counts"] or "{}"),
        error=row["error"],
        runner=row["runner"],
    )
