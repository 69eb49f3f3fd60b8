"""Settings from the environment: production fails fast, values are parsed strictly."""

from __future__ import annotations

import pytest

from travellr.config import (
    DEV_SECRET_KEY,
    ConfigError,
    Environment,
    RateLimit,
    Settings,
)

STRONG_KEY = "k" * 48
PRODUCTION = {
    "TRAVELLR_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "DATABASE_URL": "postgresql://app@db:5432/travellr",
}


def _settings(**environ: str) -> Settings:
    return Settings.from_env(environ=environ, dotenv=False)


def test_development_runs_on_the_embedded_defaults() -> None:
    settings = _settings()

    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database_url == "sqlite:///instance/travellr.db"
    assert settings.secret_key == DEV_SECRET_KEY
    assert settings.redis_url is None
    assert settings.bcrypt_rounds == 12
    assert settings.rate_limit_login == settings.rate_limit_register == RateLimit(10, 60)


def test_testing_uses_cheap_bcrypt_unless_told_otherwise() -> None:
    assert _settings(TRAVELLR_ENV="testing").bcrypt_rounds == 4
    assert _settings(TRAVELLR_ENV="testing", BCRYPT_ROUNDS="6").bcrypt_rounds == 6


def test_production_accepts_a_strong_secret_and_a_database() -> None:
    settings = _settings(**PRODUCTION)

    assert settings.environment is Environment.PRODUCTION
    assert settings.secret_key == STRONG_KEY
    assert settings.bcrypt_rounds == 12


def test_production_refuses_to_start_without_a_database_url() -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "DATABASE_URL"}

    with pytest.raises(ConfigError, match="DATABASE_URL"):
        _settings(**environ)


@pytest.mark.parametrize(
    "secret",
    [None, "", DEV_SECRET_KEY, "short", "s" * 31],
    ids=["unset", "empty", "dev-default", "short", "31-chars"],
)
def test_production_refuses_a_missing_default_or_short_secret(secret: str | None) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    if secret is not None:
        environ["SECRET_KEY"] = secret

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        _settings(**environ)


def test_a_32_character_secret_is_enough_in_production() -> None:
    assert _settings(**{**PRODUCTION, "SECRET_KEY": "s" * 32}).secret_key == "s" * 32


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ConfigError, match="TRAVELLR_ENV"):
        _settings(TRAVELLR_ENV="staging")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/second", RateLimit(5, 1)),
        ("10/minute", RateLimit(10, 60)),
        (" 7 / hour ", RateLimit(7, 3600)),
        ("1000/day", RateLimit(1000, 86400)),
    ],
)
def test_rate_limits_are_parsed(text: str, expected: RateLimit) -> None:
    settings = _settings(RATE_LIMIT_LOGIN=text, RATE_LIMIT_REGISTER=text)

    assert settings.rate_limit_login == settings.rate_limit_register == expected


@pytest.mark.parametrize("name", ["RATE_LIMIT_LOGIN", "RATE_LIMIT_REGISTER"])
@pytest.mark.parametrize(
    "text", ["0/minute", "-1/minute", "ten/minute", "10/week", "10", "10 per minute", "/minute"]
)
def test_a_malformed_rate_limit_is_a_config_error(name: str, text: str) -> None:
    with pytest.raises(ConfigError, match="rate limit"):
        _settings(**{name: text})


def test_a_redis_call_waits_100_ms_unless_told_otherwise() -> None:
    assert _settings().redis_timeout == 0.1
    assert _settings(REDIS_TIMEOUT_MS="250").redis_timeout == 0.25


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BCRYPT_ROUNDS": "twelve"}, "BCRYPT_ROUNDS"),
        ({"BCRYPT_ROUNDS": "3"}, "BCRYPT_ROUNDS"),
        ({"BCRYPT_ROUNDS": "32"}, "BCRYPT_ROUNDS"),
        ({"BOOKING_HOLD_MINUTES": "half an hour"}, "BOOKING_HOLD_MINUTES"),
        ({"PAYMENT_PROVIDER": "paypal"}, "PAYMENT_PROVIDER"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL"),
        ({"PAYMENT_PROVIDER": "stripe"}, "STRIPE_SECRET_KEY"),
        ({"REDIS_TIMEOUT_MS": "0"}, "REDIS_TIMEOUT_MS"),
        ({"REDIS_TIMEOUT_MS": "fast"}, "REDIS_TIMEOUT_MS"),
    ],
)
def test_other_bad_values_are_config_errors(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(**environ)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/app", "postgresql+psycopg://u:p@db:5432/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:////var/lib/travellr.db", "sqlite:////var/lib/travellr.db"),
    ],
)
def test_database_urls_are_driven_by_psycopg(given: str, expected: str) -> None:
    assert _settings(DATABASE_URL=given).database_url == expected


def test_empty_optional_values_count_as_unset() -> None:
    settings = _settings(REDIS_URL="", SECRET_KEY="", DATABASE_URL="", RATE_LIMIT_LOGIN="")

    assert settings.redis_url is None
    assert settings.secret_key == DEV_SECRET_KEY
    assert settings.database_url == "sqlite:///instance/travellr.db"
    assert settings.rate_limit_login == RateLimit(10, 60)


def test_the_log_level_is_upper_cased() -> None:
    assert _settings(LOG_LEVEL="debug").log_level == "DEBUG"
