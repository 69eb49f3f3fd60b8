"""The scheduler of the embedded default (no `BROKER_URL`): beat's jobs, run in-process.

Every gunicorn worker starts one of these threads, and only the holder of the scheduler lease
(a row in the database) runs jobs; the others only ask for the lease now and then. Why a lease
in the database rather than a thread in gunicorn's master or an advisory lock:
- the master forks workers, and a thread running there while it forks can leave a lock held
  in the child; nor would a scheduler in the master be restarted if it died;
- an advisory lock needs a connection held open for ever and does not exist on SQLite;
- a lease survives a killed holder (it expires and another worker takes it within
  LEASE_TTL), and gives one scheduler per database: several servers on one database, or a
  `travellr serve` restarted while the old one drains, still run each job once per tick.
Each job is safe to run twice anyway (a holder stalled past its lease may overlap the next).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from travellr.application.ports.scheduling import JobRunLog, SchedulerLease
from travellr.workers.job_runs import JobFailed, run_recorded, runner_name
from travellr.workers.schedule import Schedule, next_run

log = logging.getLogger("travellr.scheduler")
TICK = timedelta(seconds=1)
LEASE_TTL = timedelta(seconds=60)
LEASE_RENEWAL = timedelta(seconds=10)  # the holder renews this often; others ask this often
Job = Callable[[], dict[str, int]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class EmbeddedScheduler:
    """Runs each due job once per tick of its schedule while this process holds the lease."""

    def __init__(
        self,
        runs: JobRunLog,
        lease: SchedulerLease,
        schedules: Mapping[str, Schedule],
        jobs: Mapping[str, Job],
        *,
        clock: Callable[[], datetime] = _utcnow,
        outage_of: Callable[[BaseException], tuple[str, str] | None] = lambda _error: None,
    ) -> None:
        self._runs = runs
        self._outage_of = outage_of
        self._lease = lease
        self._schedules = dict(schedules)
        self._jobs = jobs
        self._clock = clock
        self.holder = self._new_holder()
        self._holding = False
        self._lease_checked: datetime | None = None
        self._due: dict[str, datetime] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _new_holder() -> str:
        return f"{runner_name()}:{uuid.uuid4().hex[:8]}"

    def start(self) -> None:
        # Made before gunicorn forks, so named again here: each worker must be its own holder.
        self.holder = self._new_holder()
        self._thread = threading.Thread(target=self._loop, name="travellr-scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop ticking, let a running job finish (up to `timeout`), hand the lease back."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._holding:
            try:
                self._lease.release(self.holder, now=self._clock())
            except Exception:  # the database is gone, say
                log.warning("scheduler lease not released; it expires", exc_info=True)

    def tick(self) -> list[str]:
        """Renew or ask for the lease when it is time, then run the jobs that are due."""
        now = self._clock()
        if self._lease_checked is None or now - self._lease_checked >= LEASE_RENEWAL:
            self._check_lease(now)
        if not self._holding:
            return []
        ran: list[str] = []
        for name, due in sorted(self._due.items(), key=lambda item: item[1]):
            if self._stopping.is_set() or due > self._clock():
                continue
            if not self._lease.take(self.holder, now=self._clock(), ttl=LEASE_TTL):
                self._holding = False  # stalled past the lease: another process has it now
                return ran
            started = self._clock()
            # A failure is logged and recorded; the job's next tick runs it again.
            with contextlib.suppress(JobFailed):
                run_recorded(
                    name,
                    self._jobs[name],
                    self._runs,
                    clock=self._clock,
                    outage_of=self._outage_of,
                )
            self._due[name] = next_run(self._schedules[name], started, self._clock())
            ran.append(name)
        return ran

    def _check_lease(self, now: datetime) -> None:
        was_holding = self._holding
        self._holding = self._lease.take(self.holder, now=now, ttl=LEASE_TTL)
        self._lease_checked = now
        if self._holding and not was_holding:
            log.info("scheduler lease taken", extra={"holder": self.holder})
            # Pick up where the previous holder left off: each job's last recorded start.
            runs = self._runs.last_runs()
            self._due = {
                name: next_run(schedule, runs[name].started_at if name in runs else None, now)
                for name, schedule in self._schedules.items()
            }

    def _loop(self) -> None:
        while not self._stopping.wait(TICK.total_seconds()):
            try:
                self.tick()
            except Exception as error:  # the database is down, say: ask for the lease later
                outage = self._outage_of(error)
                if outage is None:
                    log.exception("scheduler tick failed")
                else:  # one line, not a traceback every tick while a service is away
                    service, reason = outage
                    log.warning(
                        "scheduler tick postponed: a service does not answer",
                        extra={"service": service, "reason": reason},
                    )
                self._holding = False
