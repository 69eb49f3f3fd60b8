"""Running a scheduled job and recording the run: its start, end, outcome, counts or error."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime

from travellr.application.ports.scheduling import JobRun, JobRunLog

log = logging.getLogger("travellr.jobs")
# The relay runs every few seconds and after commits; a run that found nothing to publish is
# not worth a row (43,200 a day), so only its runs that published or failed are recorded.
IDLE_NOT_RECORDED = frozenset({"relay-outbox"})


class JobFailed(Exception):
    """A job raised; its run is recorded as failed and the next tick runs it again."""


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def run_recorded(
    name: str,
    job: Callable[[], dict[str, int]],
    runs: JobRunLog,
    *,
    clock: Callable[[], datetime] = _utcnow,
    outage_of: Callable[[BaseException], tuple[str, str] | None] = lambda _error: None,
) -> dict[str, int]:
    """Run `job` once and record how it ended; a failure is logged, recorded and re-raised
    (a service that does not answer is one line, not a traceback)."""
    started_at = clock()
    try:
        counts = job()
    except Exception as error:
        outage = outage_of(error)
        if outage is None:
            log.exception("job failed", extra={"job": name})
        else:
            log.warning("job failed: a service does not answer", extra={"job": name})
        failure = f"{type(error).__name__}: {error}"
        runs.record(_run(name, started_at, clock(), "failed", {}, failure))
        raise JobFailed(f"{name}: {failure}") from error
    if name in IDLE_NOT_RECORDED and not any(counts.values()):
        return counts
    runs.record(_run(name, started_at, clock(), "succeeded", counts, None))
    log.info("job finished", extra={"job": name, "counts": counts})
    return counts


def _run(
    name: str,
    started_at: datetime,
    finished_at: datetime,
    outcome: str,
    counts: dict[str, int],
    error: str | None,
) -> JobRun:
    return JobRun(name, started_at, finished_at, outcome, counts, error, runner_name())
