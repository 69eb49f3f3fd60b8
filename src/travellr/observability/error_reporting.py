"""Optional error reports to Sentry, on when SENTRY_DSN is set (`pip install travellr[sentry]`)."""

from __future__ import annotations

from travellr.config import ConfigError, Settings


def configure_sentry(settings: Settings) -> bool:
    """Start the Sentry SDK when a DSN is configured; True when it was started."""
    if not settings.sentry_dsn:
        return False
    try:
        # Imported only here so that deployments without Sentry need not install it.
        import sentry_sdk
        from sentry_sdk.integrations.flask import FlaskIntegration
    except ImportError as exc:
        raise ConfigError(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install 'travellr[sentry]'"
        ) from exc
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment.value,
        integrations=[FlaskIntegration()],
        send_default_pii=False,  # emails and tokens stay out of error reports
        traces_sample_rate=0.0,
    )
    return True
