"""The embedded scheduler: one lease holder runs the jobs, on schedule, and records each run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, create_engine

from travellr.infrastructure.db.job_runs import SqlJobRunLog, SqlSchedulerLease
from travellr.workers.embedded_scheduler import LEASE_TTL, EmbeddedScheduler
from travellr.workers.schedule import Schedule, cron

START = datetime(2030, 1, 7, 5, 59, 30, tzinfo=UTC)  # a Monday, 30 s before 06:00


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _schedules() -> dict[str, Schedule]:
    return {"every-10s": timedelta(seconds=10), "monday-6am": cron("PAYOUT_SCHEDULE", "0 6 * * 1")}


def _scheduler(engine: Engine, clock: Clock, calls: Counter[str]) -> EmbeddedScheduler:
    def job(name: str) -> Callable[[], dict[str, int]]:
        def run() -> dict[str, int]:
            calls[name] += 1
            return {"done": 1}

        return run

    return EmbeddedScheduler(
        SqlJobRunLog(engine),
        SqlSchedulerLease(engine),
        _schedules(),
        {name: job(name) for name in _schedules()},
        clock=clock,
    )


def test_of_several_schedulers_only_the_lease_holder_runs_jobs(
    engine: Engine, clock: Clock
) -> None:
    calls: Counter[str] = Counter()
    schedulers = [_scheduler(engine, clock, calls) for _ in range(4)]

    for _ in range(60):  # a minute of one-second ticks, in every "worker"
        for scheduler in schedulers:
            scheduler.tick()
        clock.advance(1)

    # Never run before: each job runs at the first tick, then on its schedule.
    assert calls == {"every-10s": 6, "monday-6am": 2}
    runs = SqlJobRunLog(engine).runs_of("every-10s")
    assert len(runs) == 6
    assert {run.runner for run in runs} == {runs[0].runner}
    assert [run.outcome for run in runs] == ["succeeded"] * 6
    assert runs[0].counts == {"done": 1}
    assert SqlSchedulerLease(engine).holder(now=clock()) == schedulers[0].holder


def test_another_process_takes_over_when_the_holder_stops_or_dies(
    engine: Engine, clock: Clock
) -> None:
    calls: Counter[str] = Counter()
    first, second, third = (_scheduler(engine, clock, calls) for _ in range(3))
    first.tick()
    second.tick()
    assert SqlSchedulerLease(engine).holder(now=clock()) == first.holder

    first.stop()  # a graceful stop hands the lease back
    clock.advance(10)
    second.tick()
    assert SqlSchedulerLease(engine).holder(now=clock()) == second.holder
    # It carries on from the recorded runs: the 10 s job was due, Monday 06:00 was not.
    assert calls == {"every-10s": 2, "monday-6am": 1}

    # The second dies without a word: its lease runs out and the third takes over.
    clock.advance(LEASE_TTL.total_seconds() + 1)
    third.tick()
    assert SqlSchedulerLease(engine).holder(now=clock()) == third.holder
    assert calls == {"every-10s": 3, "monday-6am": 2}  # 06:00:41 now: both were due
    runners = [run.runner for run in reversed(SqlJobRunLog(engine).runs_of("every-10s"))]
    assert len(set(runners)) == 1  # one process, three schedulers: see `holder` for which


def test_a_failing_job_is_recorded_and_run_again_at_its_next_tick(
    engine: Engine, clock: Clock
) -> None:
    attempts: list[datetime] = []

    def flaky() -> dict[str, int]:
        attempts.append(clock())
        if len(attempts) == 1:
            raise RuntimeError("the gateway did not answer")
        return {"done": 1}

    scheduler = EmbeddedScheduler(
        SqlJobRunLog(engine),
        SqlSchedulerLease(engine),
        {"flaky": timedelta(seconds=10)},
        {"flaky": flaky},
        clock=clock,
    )
    for _ in range(15):
        scheduler.tick()
        clock.advance(1)

    assert attempts == [START, START + timedelta(seconds=10)]
    failed, succeeded = reversed(SqlJobRunLog(engine).runs_of("flaky"))
    assert failed.outcome == "failed"
    assert failed.error == "RuntimeError: the gateway did not answer"
    assert succeeded.outcome == "succeeded"
    assert SqlJobRunLog(engine).last_runs()["flaky"].outcome == "succeeded"
