"""The webhook settings: the keys of secrets at rest, private addresses, the sender's pace."""

from __future__ import annotations

import pytest

from travellr.config import ConfigError, Settings

PRODUCTION = {
    "TRAVELLR_ENV": "production",
    "SECRET_KEY": "a-production-secret-key-of-more-than-32-characters",
    "DATABASE_URL": "postgresql://travellr@db/travellr",
}


def _settings(**env: str) -> Settings:
    return Settings.from_env({"TRAVELLR_ENV": "testing", **env})


def test_webhook_secrets_are_sealed_with_the_secret_key_by_default() -> None:
    settings = _settings(SECRET_KEY="the-app-secret-key-of-32-characters!!")

    assert settings.webhook_keys == ("the-app-secret-key-of-32-characters!!",)
    assert settings.webhook_allow_private is False
    assert settings.webhook_delivery_seconds == 5


def test_webhook_secret_keys_are_a_list_newest_first() -> None:
    settings = _settings(WEBHOOK_SECRET_KEY="new-key, old-key")

    assert settings.webhook_keys == ("new-key", "old-key")


def test_private_addresses_are_never_allowed_in_production() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOW_PRIVATE"):
        Settings.from_env({**PRODUCTION, "WEBHOOK_ALLOW_PRIVATE": "true"})
    assert _settings(WEBHOOK_ALLOW_PRIVATE="true").webhook_allow_private is True


def test_the_sender_runs_at_least_every_second() -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_DELIVERY_SECONDS"):
        _settings(WEBHOOK_DELIVERY_SECONDS="0")
