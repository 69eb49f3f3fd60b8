"""The operations settings: CORS origins, trusted proxies, backups, metrics."""

from __future__ import annotations

import pytest

from travellr.config import ConfigError, Settings


def _settings(**env: str) -> Settings:
    return Settings.from_env({"TRAVELLR_ENV": "testing", **env})


def test_the_defaults_trust_no_proxy_and_allow_no_origin() -> None:
    settings = _settings()

    assert settings.cors_origins == ()
    assert settings.trusted_proxies == 0
    assert (settings.backup_dir, settings.backup_keep) == ("backups", 7)
    assert settings.metrics_enabled is True
    assert settings.sentry_dsn is None


def test_cors_origins_are_a_comma_list() -> None:
    settings = _settings(CORS_ORIGINS=" https://a.example , ,https://b.example")

    assert settings.cors_origins == ("https://a.example", "https://b.example")


def test_metrics_can_be_switched_off() -> None:
    assert _settings(METRICS_ENABLED="false").metrics_enabled is False


@pytest.mark.parametrize(
    ("name", "value"),
    [("TRUSTED_PROXIES", "-1"), ("BACKUP_KEEP", "0"), ("METRICS_ENABLED", "maybe")],
)
def test_nonsense_fails_fast(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        _settings(**{name: value})
