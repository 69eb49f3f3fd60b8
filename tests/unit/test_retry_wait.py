"""A handler's retry never waits as long as the broker's visibility timeout."""

from __future__ import annotations

import pytest

from travellr.workers.tasks import MAX_RETRIES, RETRY_WAIT_MAX, _retry_wait


@pytest.mark.parametrize("visibility", [5, 50, 3600])
def test_every_retry_waits_less_than_the_visibility_timeout(visibility: int) -> None:
    waits = [_retry_wait(retries, visibility) for retries in range(MAX_RETRIES) for _ in range(20)]

    assert max(waits) < visibility
    assert max(waits) <= RETRY_WAIT_MAX
    assert min(waits) >= 0


def test_the_waits_grow_from_a_second_or_two_to_the_cap() -> None:
    assert max(_retry_wait(0, 50) for _ in range(50)) <= 2
    assert max(_retry_wait(10, 50) for _ in range(200)) > RETRY_WAIT_MAX // 2
