"""Access tokens: what the cache of verified tokens must not change."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from travellr.domain.actors import Role
from travellr.infrastructure.security.tokens import InvalidToken, TokenService

KEY = "k" * 64


def test_a_token_verified_once_is_refused_after_it_expires() -> None:
    # PyJWT compares whole seconds of `exp`: 1.5 s leaves at least half a second to verify in.
    tokens = TokenService(KEY, timedelta(seconds=1.5))
    token = tokens.issue(uuid.uuid4(), Role.TRAVELER, now=datetime.now(UTC))
    assert tokens.decode(token).role == Role.TRAVELER

    time.sleep(1.6)

    with pytest.raises(InvalidToken):
        tokens.decode(token)


def test_a_token_signed_with_another_key_is_refused_every_time() -> None:
    forged = TokenService("f" * 64, timedelta(hours=1)).issue(
        uuid.uuid4(), Role.ADMIN, now=datetime.now(UTC)
    )
    tokens = TokenService(KEY, timedelta(hours=1))
    for _ in range(2):
        with pytest.raises(InvalidToken):
            tokens.decode(forged)
