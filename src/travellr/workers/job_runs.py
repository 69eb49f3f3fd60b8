"""Running a scheduled job and recording the run: its start, end, outcome, counts or error."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from travellr.infrastructure.db.job_runs import record_run

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
    engine: Engine,
    *,
    clock: Callable[[], datetime] = _utcnow,
) -> dict[str, int]:
    """Run `job` once and record how it ended; a failure is logged, recorded and re-raised."""
    started_at = clock()
    try:
        counts = job()
    except Exception as error:
        log.exception("job failed", extra={"job": name})
        record_run(
            engine,
            name,
            started_at=started_at,
            finished_at=clock(),
            outcome="failed",
            counts={},
            error=f"{type(error).__name__}: {error}",
            runner=runner_name(),
        )
        raise JobFailed(f"{name}: {type(error).__name__}: {error}") from error
    if name in IDLE_NOT_RECORDED and not any(counts.values()):
        return counts
    record_run(
        engine,
        name,
        started_at=started_at,
        finished_at=clock(),
        outcome="succeeded",
        counts=counts,
        error=None,
        runner=runner_name(),
    )
    log.info("job finished", extra={"job": name, "counts": counts})
    return counts
