"""Webhook tests send to real HTTP servers on 127.0.0.1, so private addresses are allowed, and
the public names their endpoints use resolve to fixed public addresses (no DNS here)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from flask import Flask

from tests.api.webhook_support import use_known_hosts
from tests.conftest import make_settings
from tests.support.webhook_receiver import Receiver, running_receiver
from travellr.config import Settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url, webhook_allow_private=True)


@pytest.fixture(autouse=True)
def known_hosts(app: Flask) -> None:
    use_known_hosts(app)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    with ExitStack() as stack:
        yield [stack.enter_context(running_receiver()) for _ in range(3)]
