"""Settings, built once from the environment (and an optional `.env`), validated, failing fast."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from celery.schedules import ParseException, crontab
from dotenv import load_dotenv

from travellr.domain.money import DEFAULT_COMMISSION, CommissionRate
from travellr.domain.policy import DEFAULT_POLICY, CancellationPolicy

DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production"  # noqa: S105 - refused in production
MIN_SECRET_KEY_LENGTH = 32
_NOTICE = re.compile(r"^\s*(\d+)\s*(d|h)\s*=\s*(\d{1,3})\s*%?\s*$")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)\s*$")
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is missing or invalid; the process must not start."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


@dataclass(frozen=True)
class RateLimit:
    """`limit` requests per fixed window of `period_seconds`."""

    limit: int
    period_seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        match = _RATE.match(text)
        if not match or int(match.group(1)) < 1:
            raise ConfigError(f"rate limit {text!r} is not of the form '10/minute'")
        return cls(int(match.group(1)), _PERIODS[match.group(2)])


@dataclass(frozen=True)
class Settings:
    environment: Environment = Environment.DEVELOPMENT
    secret_key: str = DEV_SECRET_KEY
    database_url: str = "sqlite:///instance/travellr.db"
    redis_url: str | None = None
    redis_timeout: float = 0.1  # seconds a Redis call may take before Redis counts as down
    access_token_ttl: timedelta = timedelta(hours=1)
    bcrypt_rounds: int = 12
    rate_limit_login: RateLimit = RateLimit(10, 60)
    rate_limit_register: RateLimit = RateLimit(10, 60)
    max_body_bytes: int = 1024 * 1024
    booking_hold: timedelta = timedelta(minutes=30)
    payment_provider: str = "mock"
    stripe_secret_key: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_secret: str | None = None
    cancellation_policy: CancellationPolicy = DEFAULT_POLICY
    commission: CommissionRate = DEFAULT_COMMISSION
    log_level: str = "INFO"
    sentry_dsn: str | None = None
    cors_origins: tuple[str, ...] = ()
    trusted_proxies: int = 0
    backup_dir: str = "backups"
    backup_keep: int = 7
    metrics_enabled: bool = True
    metrics_token: str | None = None
    metrics_multiproc_dir: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from_number: str | None = None
    twilio_api_base: str = "https://api.twilio.com"
    fcm_project_id: str | None = None
    fcm_credentials_file: str | None = None
    fcm_api_base: str = "https://fcm.googleapis.com"
    broker_url: str | None = None
    task_queue: str = "travellr"
    broker_visibility_timeout: int = 50
    relay_interval_seconds: int = 2
    outbox_republish_seconds: int = 45
    expire_interval_seconds: int = 60
    complete_interval_seconds: int = 60
    payout_schedule: str = "0 6 * * 1"
    purge_schedule: str = "30 3 * * *"
    archive_after_days: int = 365
    host: str = "127.0.0.1"

    @property
    def metrics_served(self) -> bool:
        """/metrics answers when enabled; in production only with a METRICS_TOKEN to guard it."""
        guarded = self.metrics_token is not None or self.environment is not Environment.PRODUCTION
        return self.metrics_enabled and guarded

    webhook_secret_keys: tuple[str, ...] = ()
    webhook_allow_private: bool = False
    webhook_delivery_seconds: int = 5

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, *, dotenv: bool = True) -> Settings:
        """Read the settings from `environ` (default: the process environment plus `.env`)."""
        if environ is None:
            if dotenv:
                load_dotenv(Path.cwd() / ".env", override=False)
            environ = dict(os.environ)
        settings = cls._parse(environ)
        settings.validate()
        return settings

    @classmethod
    def _parse(cls, env: dict[str, str]) -> Settings:
        try:
            environment = Environment(env.get("TRAVELLR_ENV", "development"))
        except ValueError as exc:
            raise ConfigError("TRAVELLR_ENV must be development, testing or production") from exc
        defaults = cls()
        return cls(
            environment=environment,
            secret_key=env.get("SECRET_KEY") or defaults.secret_key,
            database_url=_database_url(env.get("DATABASE_URL"), environment),
            redis_url=env.get("REDIS_URL") or None,
            redis_timeout=_int(env, "REDIS_TIMEOUT_MS", 100) / 1000,
            bcrypt_rounds=_int(
                env, "BCRYPT_ROUNDS", 4 if environment is Environment.TESTING else 12
            ),
            rate_limit_login=_rate(env, "RATE_LIMIT_LOGIN", defaults.rate_limit_login),
            rate_limit_register=_rate(env, "RATE_LIMIT_REGISTER", defaults.rate_limit_register),
            booking_hold=timedelta(minutes=_int(env, "BOOKING_HOLD_MINUTES", 30)),
            payment_provider=env.get("PAYMENT_PROVIDER", "mock"),
            stripe_secret_key=env.get("STRIPE_SECRET_KEY") or None,
            stripe_api_base=env.get("STRIPE_API_BASE") or None,
            stripe_webhook_secret=env.get("STRIPE_WEBHOOK_SECRET") or None,
            cancellation_policy=_policy(env.get("CANCELLATION_POLICY")),
            commission=_commission(env.get("PLATFORM_FEE_PERCENT")),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            sentry_dsn=env.get("SENTRY_DSN") or None,
            cors_origins=_list(env, "CORS_ORIGINS"),
            trusted_proxies=_int(env, "TRUSTED_PROXIES", 0),
            backup_dir=env.get("BACKUP_DIR") or defaults.backup_dir,
            backup_keep=_int(env, "BACKUP_KEEP", defaults.backup_keep),
            metrics_enabled=_bool(env, "METRICS_ENABLED", default=True),
            metrics_token=env.get("METRICS_TOKEN") or None,
            metrics_multiproc_dir=env.get("PROMETHEUS_MULTIPROC_DIR") or None,
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=_int(env, "SMTP_PORT", defaults.smtp_port),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_from=env.get("SMTP_FROM") or None,
            smtp_starttls=_bool(env, "SMTP_STARTTLS", default=True),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN") or None,
            twilio_from_number=env.get("TWILIO_FROM_NUMBER") or None,
            twilio_api_base=env.get("TWILIO_API_BASE") or defaults.twilio_api_base,
            fcm_project_id=env.get("FCM_PROJECT_ID") or None,
            fcm_credentials_file=env.get("FCM_CREDENTIALS_FILE") or None,
            fcm_api_base=env.get("FCM_API_BASE") or defaults.fcm_api_base,
            broker_url=env.get("BROKER_URL") or None,
            task_queue=env.get("TASK_QUEUE") or defaults.task_queue,
            broker_visibility_timeout=_int(
                env, "BROKER_VISIBILITY_TIMEOUT", defaults.broker_visibility_timeout
            ),
            relay_interval_seconds=_int(env, "OUTBOX_RELAY_SECONDS", 2),
            outbox_republish_seconds=_int(
                env, "OUTBOX_REPUBLISH_SECONDS", defaults.outbox_republish_seconds
            ),
            expire_interval_seconds=_int(env, "EXPIRE_BOOKINGS_SECONDS", 60),
            complete_interval_seconds=_int(
                env, "COMPLETE_BOOKINGS_SECONDS", defaults.complete_interval_seconds
            ),
            payout_schedule=_words(env.get("PAYOUT_SCHEDULE") or defaults.payout_schedule),
            purge_schedule=_words(env.get("PURGE_SCHEDULE") or defaults.purge_schedule),
            archive_after_days=_int(env, "ARCHIVE_BOOKINGS_AFTER_DAYS", 365),
            host=env.get("HOST") or _default_host(environment),
            webhook_secret_keys=_list(env, "WEBHOOK_SECRET_KEY"),
            webhook_allow_private=_bool(env, "WEBHOOK_ALLOW_PRIVATE", default=False),
            webhook_delivery_seconds=_int(env, "WEBHOOK_DELIVERY_SECONDS", 5),
        )

    @property
    def binds_loopback_only(self) -> bool:
        """True when the server is reachable from this machine alone."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False  # a host name: it may resolve to anything

    def validate(self) -> None:
        weak_key = self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < MIN_SECRET_KEY_LENGTH
        if self.environment is Environment.PRODUCTION and weak_key:
            raise ConfigError(
                f"production needs SECRET_KEY: a random secret of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters (python -c 'import secrets; "
                f"print(secrets.token_urlsafe(48))')"
            )
        if not 4 <= self.bcrypt_rounds <= 31:
            raise ConfigError("BCRYPT_ROUNDS must be between 4 and 31")
        if self.log_level not in _LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
        if self.trusted_proxies < 0:
            raise ConfigError("TRUSTED_PROXIES must be 0 or more (proxy hops in front of the app)")
        if self.redis_timeout <= 0:
            raise ConfigError("REDIS_TIMEOUT_MS must be at least 1 (milliseconds)")
        if self.broker_visibility_timeout < 1:
            raise ConfigError("BROKER_VISIBILITY_TIMEOUT must be at least 1 second")
        if self.backup_keep < 1:
            raise ConfigError("BACKUP_KEEP must be at least 1")
        if self.payment_provider not in {"mock", "stripe"}:
            raise ConfigError("PAYMENT_PROVIDER must be mock or stripe")
        if self.payment_provider == "stripe" and not self.stripe_secret_key:
            raise ConfigError("PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY")
        _check_notifications(self)
        cron_schedule("PAYOUT_SCHEDULE", self.payout_schedule)
        cron_schedule("PURGE_SCHEDULE", self.purge_schedule)
        if self.webhook_delivery_seconds < 1:
            raise ConfigError("WEBHOOK_DELIVERY_SECONDS must be at least 1")
        if self.environment is Environment.PRODUCTION and self.webhook_allow_private:
            raise ConfigError("WEBHOOK_ALLOW_PRIVATE=true is for development and tests only")

    @property
    def webhook_task_queue(self) -> str:
        """The webhook sender's own queue: a receiver that hangs holds its worker for up to a
        send's timeout, and must not hold up the events' handlers and jobs behind it."""
        return f"{self.task_queue}.webhooks"

    @property
    def webhook_keys(self) -> tuple[str, ...]:
        """Keys for webhook secrets at rest: WEBHOOK_SECRET_KEY's (newest first), or SECRET_KEY."""
        return self.webhook_secret_keys or (self.secret_key,)


def _check_notifications(settings: Settings) -> None:
    if settings.smtp_host and not settings.smtp_from:
        raise ConfigError("SMTP_HOST needs SMTP_FROM, the sender ('Travellr <no-reply@...>')")
    if not 1 <= settings.smtp_port <= 65535:
        raise ConfigError("SMTP_PORT must be between 1 and 65535")
    if bool(settings.smtp_username) != bool(settings.smtp_password):
        raise ConfigError("SMTP_USERNAME and SMTP_PASSWORD go together")
    twilio = (settings.twilio_auth_token, settings.twilio_from_number)
    if settings.twilio_account_sid and not all(twilio):
        raise ConfigError("TWILIO_ACCOUNT_SID needs TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER")
    if settings.fcm_project_id and not settings.fcm_credentials_file:
        raise ConfigError(
            "FCM_PROJECT_ID needs FCM_CREDENTIALS_FILE, the service account's JSON key file"
        )


def cron_schedule(name: str, expression: str) -> crontab:
    """The schedule `expression` describes, parsed by Celery beat's own parser."""
    try:
        return crontab.from_string(expression)
    except (ValueError, ParseException) as exc:
        raise ConfigError(
            f"{name}={expression!r} is not a cron schedule: five fields, minute hour "
            f"day-of-month month day-of-week, in UTC (e.g. '0 6 * * 1'): {exc}"
        ) from exc


def _words(text: str) -> str:
    """Words separated by single spaces (Celery's parser splits on one space)."""
    return " ".join(text.split())


def _default_host(environment: Environment) -> str:
    """A server in production serves its network; a developer's machine serves only itself."""
    return "0.0.0.0" if environment is Environment.PRODUCTION else "127.0.0.1"  # noqa: S104


def _database_url(value: str | None, environment: Environment) -> str:
    if value:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.split("://", 1)[1]
        return value
    if environment is Environment.PRODUCTION:
        raise ConfigError("production needs DATABASE_URL")
    return Settings.database_url


def _rate(env: dict[str, str], name: str, default: RateLimit) -> RateLimit:
    return RateLimit.parse(env[name]) if env.get(name) else default


def _int(env: dict[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer") from exc


def _list(env: dict[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


def _bool(env: dict[str, str], name: str, *, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in {"true", "false", "1", "0", "yes", "no"}:
        raise ConfigError(f"{name} must be true or false")
    return value in {"true", "1", "yes"}


def _policy(text: str | None) -> CancellationPolicy:
    """`7d=100,48h=50`: at least that much notice before the trip refunds that percentage."""
    if not text:
        return DEFAULT_POLICY
    tiers = []
    for part in text.split(","):
        match = _NOTICE.match(part)
        if not match or int(match.group(3)) > 100:
            raise ConfigError(f"CANCELLATION_POLICY part {part!r} is not of the form '7d=100'")
        amount, unit, percent = int(match.group(1)), match.group(2), int(match.group(3))
        notice = timedelta(days=amount) if unit == "d" else timedelta(hours=amount)
        tiers.append((notice, Decimal(percent) / 100))
    return CancellationPolicy(tiers=tuple(sorted(tiers, key=lambda tier: -tier[0])))


def _commission(text: str | None) -> CommissionRate:
    """`20`: the platform keeps that percentage of net takings, the vendor the rest."""
    if not text:
        return DEFAULT_COMMISSION
    match = _PERCENT.match(text)
    if not match or Decimal(match.group(1)) > 100:
        raise ConfigError(f"PLATFORM_FEE_PERCENT {text!r} is not a percentage such as 20 or 12.5")
    return CommissionRate(vendor_share=1 - Decimal(match.group(1)) / 100)
