"""The relay kick after a commit: at most one per interval, and a broker that does not answer
is logged once, left alone for a while, and its return logged once."""

from __future__ import annotations

import pytest
from kombu.exceptions import OperationalError

from travellr.workers.celery_app import BROKER_REST, KICK_INTERVAL, RelayKick

DOWN = "broker does not answer: committed events wait in the outbox until it does"
BACK = "broker answers again: committed events leave the outbox"


class Broker:
    """Counts the kicks it is sent; refuses them while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.kicks = 0

    def send(self) -> None:
        self.kicks += 1
        if self.down:
            raise OperationalError("[Errno 111] Connection refused")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_commits_within_the_interval_share_one_kick() -> None:
    broker, clock = Broker(), Clock()
    kick = RelayKick(broker.send, clock=clock)

    kick([])
    clock.now += KICK_INTERVAL / 2
    kick([])
    clock.now += KICK_INTERVAL
    kick([])

    assert broker.kicks == 2


def test_a_broker_that_does_not_answer_is_logged_once_and_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker, clock = Broker(), Clock()
    kick = RelayKick(broker.send, clock=clock)
    broker.down = True

    with caplog.at_level("WARNING", logger="travellr.workers"):
        kick([])  # refused: logged, and no kick for BROKER_REST
        for _ in range(10):
            clock.now += BROKER_REST / 20
            kick([])
        clock.now += BROKER_REST
        kick([])  # tried again, refused again: not logged again
        broker.down = False
        clock.now += BROKER_REST
        kick([])  # answered: logged once
        clock.now += KICK_INTERVAL
        kick([])

    assert broker.kicks == 4
    assert [record.getMessage() for record in caplog.records] == [DOWN, BACK]
    assert all(record.exc_info is None for record in caplog.records)
