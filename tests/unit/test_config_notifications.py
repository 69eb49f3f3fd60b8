"""The notification providers' settings: read from the environment, incomplete ones refused."""

from __future__ import annotations

import pytest

from travellr.config import ConfigError, Settings

SMTP = {"SMTP_HOST": "smtp.example.com", "SMTP_FROM": "Travellr <no-reply@example.com>"}
TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_AUTH_TOKEN": "t",
    "TWILIO_FROM_NUMBER": "+15005550006",
}
FCM = {"FCM_PROJECT_ID": "travellr", "FCM_CREDENTIALS_FILE": "/run/secrets/fcm.json"}


def _settings(**environ: str) -> Settings:
    return Settings.from_env(environ=environ, dotenv=False)


def test_no_provider_is_configured_by_default() -> None:
    settings = _settings()

    assert (settings.smtp_host, settings.twilio_account_sid, settings.fcm_project_id) == (
        None, None, None
    )  # fmt: skip
    assert (settings.smtp_port, settings.smtp_starttls) == (587, True)
    assert settings.twilio_api_base == "https://api.twilio.com"
    assert settings.fcm_api_base == "https://fcm.googleapis.com"


def test_the_providers_settings_are_read() -> None:
    settings = _settings(
        **SMTP, **TWILIO, **FCM,
        SMTP_PORT="2525", SMTP_STARTTLS="false", SMTP_USERNAME="u", SMTP_PASSWORD="p",
        TWILIO_API_BASE="http://127.0.0.1:9000", FCM_API_BASE="http://127.0.0.1:9001",
    )  # fmt: skip

    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "smtp.example.com", 2525, False
    )  # fmt: skip
    assert (settings.smtp_username, settings.smtp_password) == ("u", "p")
    assert settings.smtp_from == "Travellr <no-reply@example.com>"
    assert (settings.twilio_account_sid, settings.twilio_auth_token) == ("AC1", "t")
    assert settings.twilio_from_number == "+15005550006"
    assert settings.twilio_api_base == "http://127.0.0.1:9000"
    assert (settings.fcm_project_id, settings.fcm_credentials_file) == (
        "travellr",
        "/run/secrets/fcm.json",
    )
    assert settings.fcm_api_base == "http://127.0.0.1:9001"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMTP_HOST": "smtp.example.com"}, "SMTP_FROM"),
        ({**SMTP, "SMTP_PORT": "0"}, "SMTP_PORT"),
        ({**SMTP, "SMTP_USERNAME": "u"}, "SMTP_PASSWORD"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_FROM_NUMBER"),
        ({"FCM_PROJECT_ID": "travellr"}, "FCM_CREDENTIALS_FILE"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
    ],
)
def test_an_incomplete_provider_stops_the_start(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _settings(**environ)
