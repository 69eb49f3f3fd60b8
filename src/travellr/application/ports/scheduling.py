"""What the scheduler remembers: the record of job runs, and whose turn it is to run them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # succeeded or failed
    counts: dict[str, int]
    error: str | None
    runner: str  # host:pid of the process that ran it


class JobRunLog(Protocol):
    def record(self, run: JobRun) -> None:
        """Keep one finished run."""

    def last_runs(self) -> dict[str, JobRun]:
        """The latest recorded run of each job, by job name."""

    def runs_of(self, job: str, limit: int = 100) -> list[JobRun]:
        """The latest runs of one job, newest first."""


class SchedulerLease(Protocol):
    """One holder at a time, for `ttl` after each take; shared by every process of the service."""

    def take(self, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take or extend the lease when it is free, expired or already `holder`'s."""

    def release(self, holder: str, *, now: datetime) -> None:
        """Let another process take it at once."""

    def holder(self, *, now: datetime) -> str | None:
        """Who holds it now, if anyone."""
