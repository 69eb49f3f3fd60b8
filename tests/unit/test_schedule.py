"""Beat and the embedded scheduler read one schedule, of the jobs `travellr jobs run` knows."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

from travellr.config import Settings
from travellr.workers.schedule import beat_schedule, cron, describe, job_schedules, next_run
from travellr.workers.tasks import JOBS


def test_beat_can_keep_the_schedule_in_its_file() -> None:
    """Beat pickles each entry into its schedule file; a lambda in one stops beat at start."""
    schedule = beat_schedule(Settings())

    assert pickle.loads(pickle.dumps(schedule)).keys() == schedule.keys()  # noqa: S301 - ours


def test_every_scheduled_job_can_be_run_by_hand_and_beat_runs_it_by_name() -> None:
    schedule = beat_schedule(Settings())

    assert set(job_schedules(Settings())) == set(JOBS)
    assert {entry["task"] for entry in schedule.values()} == {"travellr.run_job"}
    assert {entry["args"] for entry in schedule.values()} == {(name,) for name in JOBS}


def test_beat_queues_the_webhook_sender_on_its_own_queue_and_every_other_job_on_the_events() -> (
    None
):
    queues = {name: entry["options"]["queue"] for name, entry in beat_schedule(Settings()).items()}

    assert queues.pop("deliver-webhooks") == "travellr.webhooks"
    assert set(queues.values()) == {"travellr"}


def test_next_run_of_an_interval_and_of_a_cron() -> None:
    monday_six = cron("PAYOUT_SCHEDULE", "0 6 * * 1")
    last = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # a Monday, 06:00
    now = last + timedelta(minutes=5)

    assert next_run(timedelta(seconds=60), last, now) == last + timedelta(seconds=60)
    assert next_run(monday_six, last, now) == last + timedelta(days=7)
    assert next_run(monday_six, None, now) == now  # never ran: at once
    assert describe(monday_six) == "cron 0 6 * * 1 (UTC)"
    assert describe(timedelta(seconds=60)) == "every 60 s"
