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


def test_a_killed_workers_task_runs_again_within_a_minute_by_default() -> None:
    settings = _settings()

    # Redis hands it to another worker, or the relay publishes its event again.
    assert settings.broker_visibility_timeout < 60
    assert settings.outbox_republish_seconds + settings.relay_interval_seconds < 60


def test_a_visibility_timeout_under_a_second_is_refused() -> None:
    with pytest.raises(ConfigError, match="BROKER_VISIBILITY_TIMEOUT"):
        _settings(BROKER_VISIBILITY_TIMEOUT="0")


def test_development_binds_loopback_and_production_every_interface() -> None:
    assert _settings().host == "127.0.0.1"
    assert _settings().binds_loopback_only
    production = _settings(
        TRAVELLR_ENV="production", SECRET_KEY="x" * 40, DATABASE_URL="postgresql://db/travellr"
    )
    assert production.host == "0.0.0.0"  # noqa: S104
    assert not production.binds_loopback_only
    assert _settings(HOST="192.0.2.7").binds_loopback_only is False
    assert _settings(HOST="localhost").binds_loopback_only
