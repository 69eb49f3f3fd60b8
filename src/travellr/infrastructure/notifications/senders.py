"""The senders the settings configure; console ones for what is not configured."""

from __future__ import annotations

from travellr.application.ports.notifications import EmailSender, PushSender, Senders, SmsSender
from travellr.config import Settings
from travellr.infrastructure.notifications.console import (
    ConsoleEmailSender,
    ConsolePushSender,
    ConsoleSmsSender,
)
from travellr.infrastructure.notifications.fcm_push import (
    FcmPushSender,
    service_account_credentials,
)
from travellr.infrastructure.notifications.smtp_email import SmtpEmailSender
from travellr.infrastructure.notifications.twilio_sms import TwilioSmsSender


def build_senders(settings: Settings) -> Senders:
    """SMTP when SMTP_HOST is set, Twilio when TWILIO_ACCOUNT_SID is, FCM when FCM_PROJECT_ID is."""
    return Senders(email=_email(settings), sms=_sms(settings), push=_push(settings))


def _email(settings: Settings) -> EmailSender:
    if not settings.smtp_host:
        return ConsoleEmailSender()
    assert settings.smtp_from is not None  # Settings.validate insists
    return SmtpEmailSender(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=settings.smtp_password,
        starttls=settings.smtp_starttls,
    )


def _sms(settings: Settings) -> SmsSender:
    if not settings.twilio_account_sid:
        return ConsoleSmsSender()
    assert settings.twilio_auth_token is not None  # Settings.validate insists on both
    assert settings.twilio_from_number is not None
    return TwilioSmsSender(
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
        from_number=settings.twilio_from_number,
        api_base=settings.twilio_api_base,
    )


def _push(settings: Settings) -> PushSender:
    if not settings.fcm_project_id:
        return ConsolePushSender()
    assert settings.fcm_credentials_file is not None  # Settings.validate insists
    return FcmPushSender(
        project_id=settings.fcm_project_id,
        credentials=service_account_credentials(settings.fcm_credentials_file),
        api_base=settings.fcm_api_base,
    )
