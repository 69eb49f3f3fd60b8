"""The Twilio SMS and FCM push adapters against a local HTTP server that plays the provider:
the request each sends, and how each reads success, a retryable error and a permanent one."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qs

import pytest

from tests.conftest import make_settings
from tests.support.server import free_port
from travellr.application.ports.notifications import (
    PermanentDeliveryError,
    RetryableDeliveryError,
    UnregisteredDevice,
)
from travellr.infrastructure.notifications.console import (
    ConsoleEmailSender,
    ConsolePushSender,
    ConsoleSmsSender,
)
from travellr.infrastructure.notifications.fcm_push import FcmPushSender
from travellr.infrastructure.notifications.senders import build_senders
from travellr.infrastructure.notifications.smtp_email import SmtpEmailSender
from travellr.infrastructure.notifications.twilio_sms import TwilioSmsSender

SID, TWILIO_TOKEN, FROM = "AC0123456789abcdef", "twilio-secret", "+15005550006"
PROJECT, ACCESS_TOKEN = "travellr-test", "ya29.test-access-token"
FCM_UNREGISTERED = {
    "error": {
        "code": 404,
        "message": "Requested entity was not found.",
        "status": "NOT_FOUND",
        "details": [
            {
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": "UNREGISTERED",
            }
        ],
    }
}
FCM_INVALID = {
    "error": {
        "code": 400,
        "message": "The registration token is not a valid FCM registration token",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": "INVALID_ARGUMENT",
            }
        ],
    }
}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Provider:
    """What the fake provider saw, and what it answers next (status, JSON body, delay)."""

    base_url: str
    requests: list[Seen] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        provider = cast(Any, self.server).provider
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        provider.requests.append(Seen(self.command, self.path, dict(self.headers), body))
        time.sleep(provider.delay)
        data = json.dumps(provider.answer).encode()
        self.send_response(provider.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads what the server saw instead."""


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.provider = Provider(f"http://127.0.0.1:{server.server_port}")  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.provider  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join()


def twilio(base_url: str, timeout: float = 5) -> TwilioSmsSender:
    return TwilioSmsSender(
        account_sid=SID,
        auth_token=TWILIO_TOKEN,
        from_number=FROM,
        api_base=base_url,
        timeout_seconds=timeout,
    )


def fcm(base_url: str) -> FcmPushSender:
    return FcmPushSender(
        project_id=PROJECT, access_token=ACCESS_TOKEN, api_base=base_url, timeout_seconds=5
    )


def test_twilio_posts_the_message_as_a_form_with_basic_auth(provider: Provider) -> None:
    provider.status, provider.answer = 201, {"sid": "SM123", "status": "queued"}

    twilio(provider.base_url).send("+447700900123", "Booking confirmed: 150.00 USD & more")

    [request] = provider.requests
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{SID}/Messages.json")
    credentials = base64.b64encode(f"{SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {credentials}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode(), strict_parsing=True) == {
        "To": ["+447700900123"],
        "From": [FROM],
        "Body": ["Booking confirmed: 150.00 USD & more"],
    }


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_busy_or_failing_is_retryable(provider: Provider, status: int) -> None:
    provider.status, provider.answer = status, {"code": 20429, "message": "Too Many Requests"}

    with pytest.raises(RetryableDeliveryError, match=f"HTTP {status}"):
        twilio(provider.base_url).send("+447700900123", "Hi")


def test_twilio_refusing_the_number_is_permanent(provider: Provider) -> None:
    provider.status = 400
    provider.answer = {"code": 21211, "message": "The 'To' number is not a valid phone number."}

    with pytest.raises(PermanentDeliveryError, match="21211"):
        twilio(provider.base_url).send("+10000000000", "Hi")


def test_twilio_out_of_reach_or_too_slow_is_retryable(provider: Provider) -> None:
    provider.delay = 1.0

    with pytest.raises(RetryableDeliveryError, match="unreachable"):
        twilio(f"http://127.0.0.1:{free_port()}").send("+447700900123", "Hi")
    with pytest.raises(RetryableDeliveryError, match="Timeout"):
        twilio(provider.base_url, timeout=0.2).send("+447700900123", "Hi")


def test_fcm_posts_the_v1_message_with_the_bearer_token(provider: Provider) -> None:
    provider.answer = {"name": f"projects/{PROJECT}/messages/0:1500415314455276%31bd1c9631bd1c96"}

    fcm(provider.base_url).send(
        "device-token-1", "Booking confirmed", "150.00 USD paid", {"event": "booking.confirmed"}
    )

    [request] = provider.requests
    assert (request.method, request.path) == ("POST", f"/v1/projects/{PROJECT}/messages:send")
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "message": {
            "token": "device-token-1",
            "notification": {"title": "Booking confirmed", "body": "150.00 USD paid"},
            "data": {"event": "booking.confirmed"},
        }
    }


@pytest.mark.parametrize("status", [429, 500, 503])
def test_fcm_busy_or_failing_is_retryable(provider: Provider, status: int) -> None:
    provider.status = status
    provider.answer = {"error": {"code": status, "status": "UNAVAILABLE", "message": "later"}}

    with pytest.raises(RetryableDeliveryError, match=f"HTTP {status}"):
        fcm(provider.base_url).send("device-token-1", "t", "b", {})


def test_fcm_unregistered_token_is_permanent_and_marks_the_device_dead(provider: Provider) -> None:
    provider.status, provider.answer = 404, FCM_UNREGISTERED

    with pytest.raises(UnregisteredDevice, match="HTTP 404"):
        fcm(provider.base_url).send("gone-token", "t", "b", {})


def test_fcm_invalid_argument_is_permanent(provider: Provider) -> None:
    provider.status, provider.answer = 400, FCM_INVALID

    with pytest.raises(PermanentDeliveryError, match="INVALID_ARGUMENT") as raised:
        fcm(provider.base_url).send("bad-token", "t", "b", {})
    assert not isinstance(raised.value, UnregisteredDevice)


def test_the_settings_choose_the_real_senders_and_console_ones_otherwise() -> None:
    configured = make_settings(
        "sqlite://",
        smtp_host="smtp.example.com",
        smtp_from="Travellr <no-reply@example.com>",
        twilio_account_sid=SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number=FROM,
        fcm_project_id=PROJECT,
        fcm_access_token=ACCESS_TOKEN,
    )

    senders = build_senders(configured)
    defaults = build_senders(make_settings("sqlite://"))

    assert isinstance(senders.email, SmtpEmailSender)
    assert isinstance(senders.sms, TwilioSmsSender)
    assert isinstance(senders.push, FcmPushSender)
    assert isinstance(defaults.email, ConsoleEmailSender)
    assert isinstance(defaults.sms, ConsoleSmsSender)
    assert isinstance(defaults.push, ConsolePushSender)


def test_the_console_sender_logs_the_message_as_one_json_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="travellr.notifications.console"):
        ConsoleEmailSender().send(
            "ann@example.com", "Hi", "Hello Ann,\n\nbye", "<p>Hello</p>", message_key="e.u.email"
        )

    [record] = caplog.records
    assert "\n" not in record.getMessage()
    assert json.loads(record.getMessage()) == {
        "channel": "email",
        "to": "ann@example.com",
        "subject": "Hi",
        "text": "Hello Ann,\n\nbye",
        "message_key": "e.u.email",
    }
