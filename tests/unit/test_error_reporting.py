"""Sentry starts only when SENTRY_DSN is set, without personal data, and says what is missing."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import sentry_sdk

from tests.conftest import make_settings
from travellr.config import ConfigError
from travellr.observability.error_reporting import configure_sentry

DSN = "https://public@sentry.example/1"


@pytest.fixture
def init_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records sentry_sdk.init calls instead of starting a client that would send reports."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **options: calls.append(options))
    return calls


def test_without_a_dsn_sentry_stays_off(init_calls: list[dict[str, Any]]) -> None:
    assert configure_sentry(make_settings("sqlite://")) is False
    assert init_calls == []


def test_a_dsn_starts_sentry_with_the_flask_integration(init_calls: list[dict[str, Any]]) -> None:
    assert configure_sentry(make_settings("sqlite://", sentry_dsn=DSN)) is True

    (options,) = init_calls
    assert options["dsn"] == DSN
    assert options["environment"] == "testing"
    assert options["send_default_pii"] is False
    assert [type(i).__name__ for i in options["integrations"]] == ["FlaskIntegration"]


def test_a_dsn_without_the_sdk_installed_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)

    with pytest.raises(ConfigError, match=r"pip install 'travellr\[sentry\]'"):
        configure_sentry(make_settings("sqlite://", sentry_dsn=DSN))
