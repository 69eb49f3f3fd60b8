"""The Twilio SMS and FCM push adapters against a local HTTP server that plays the provider:
the request each sends, and how each reads success, a retryable error and a permanent one."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.structures import CaseInsensitiveDict

from tests.conftest import make_settings
from tests.support.server import free_port
from travellr.application.ports.notifications import (
    PermanentDeliveryError,
    RetryableDeliveryError,
    UnregisteredDevice,
)
from travellr.config import ConfigError
from travellr.infrastructure.notifications.console import (
    ConsoleEmailSender,
    ConsolePushSender,
    ConsoleSmsSender,
)
from travellr.infrastructure.notifications.fcm_push import (
    FcmPushSender,
    service_account_credentials,
)
from travellr.infrastructure.notifications.senders import build_senders
from travellr.infrastructure.notifications.smtp_email import SmtpEmailSender
from travellr.infrastructure.notifications.twilio_sms import TwilioSmsSender

SID, TWILIO_TOKEN, FROM = "AC0123456789abcdef", "twilio-secret", "+15005550006"
PROJECT = "travellr-test"
SERVICE_ACCOUNT = "push@travellr-test.iam.gserviceaccount.com"
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
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Provider:
    """What the fake provider saw, and what it answers next (status, JSON body, delay).

    It is also Google's OAuth 2 token endpoint (`/token`): each token it mints lasts
    `token_lifetime` seconds and is numbered (`ya29.token-1`, `ya29.token-2`, ...)."""

    base_url: str
    requests: list[Seen] = field(default_factory=list)
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0
    token_requests: list[Seen] = field(default_factory=list)
    token_lifetime: int = 3600

    def token(self) -> dict[str, Any]:
        number = len(self.token_requests)
        return {
            "access_token": f"ya29.token-{number}",
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        provider = cast(Any, self.server).provider
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = CaseInsensitiveDict(self.headers.items())  # google-auth sends `authorization`
        seen = Seen(self.command, self.path, headers, body)
        if self.path == "/token":
            provider.token_requests.append(seen)
            self._answer(200, provider.token())
            return
        provider.requests.append(seen)
        time.sleep(provider.delay)
        self._answer(provider.status, provider.answer)

    def _answer(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
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


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def key_file(directory: Path, private_key: rsa.RSAPrivateKey, token_uri: str) -> Path:
    """A service account's JSON key, as the Google Cloud console downloads it."""
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = directory / "service-account.json"
    key = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "key-1",
        "private_key": pem,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(key))
    return path


@pytest.fixture
def fcm_key(tmp_path: Path, private_key: rsa.RSAPrivateKey, provider: Provider) -> Path:
    return key_file(tmp_path, private_key, f"{provider.base_url}/token")


def fcm(base_url: str, key: Path) -> FcmPushSender:
    return FcmPushSender(
        project_id=PROJECT,
        credentials=service_account_credentials(str(key)),
        api_base=base_url,
        timeout_seconds=5,
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


def test_fcm_posts_the_v1_message_with_the_bearer_token(provider: Provider, fcm_key: Path) -> None:
    provider.answer = {"name": f"projects/{PROJECT}/messages/0:1500415314455276%31bd1c9631bd1c96"}

    fcm(provider.base_url, fcm_key).send(
        "device-token-1", "Booking confirmed", "150.00 USD paid", {"event": "booking.confirmed"}
    )

    [request] = provider.requests
    assert (request.method, request.path) == ("POST", f"/v1/projects/{PROJECT}/messages:send")
    assert request.headers["Authorization"] == "Bearer ya29.token-1"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {
        "message": {
            "token": "device-token-1",
            "notification": {"title": "Booking confirmed", "body": "150.00 USD paid"},
            "data": {"event": "booking.confirmed"},
        }
    }


@pytest.mark.parametrize("status", [429, 500, 503])
def test_fcm_busy_or_failing_is_retryable(provider: Provider, fcm_key: Path, status: int) -> None:
    provider.status = status
    provider.answer = {"error": {"code": status, "status": "UNAVAILABLE", "message": "later"}}

    with pytest.raises(RetryableDeliveryError, match=f"HTTP {status}"):
        fcm(provider.base_url, fcm_key).send("device-token-1", "t", "b", {})


def test_fcm_unregistered_token_is_permanent_and_marks_the_device_dead(
    provider: Provider, fcm_key: Path
) -> None:
    provider.status, provider.answer = 404, FCM_UNREGISTERED

    with pytest.raises(UnregisteredDevice, match="HTTP 404"):
        fcm(provider.base_url, fcm_key).send("gone-token", "t", "b", {})


def test_fcm_invalid_argument_is_permanent(provider: Provider, fcm_key: Path) -> None:
    provider.status, provider.answer = 400, FCM_INVALID

    with pytest.raises(PermanentDeliveryError, match="INVALID_ARGUMENT") as raised:
        fcm(provider.base_url, fcm_key).send("bad-token", "t", "b", {})
    assert not isinstance(raised.value, UnregisteredDevice)


def test_fcm_mints_its_token_from_the_service_account_key(
    provider: Provider, fcm_key: Path, private_key: rsa.RSAPrivateKey
) -> None:
    """The JWT assertion google-auth sends is signed with the key and asks for FCM's scope."""
    sender = fcm(provider.base_url, fcm_key)

    sender.send("device-token-1", "t", "b", {})
    sender.send("device-token-2", "t", "b", {})

    [token_request] = provider.token_requests  # the token lasts an hour: minted once
    form = parse_qs(token_request.body.decode(), strict_parsing=True)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(
        form["assertion"][0],
        private_key.public_key(),
        algorithms=["RS256"],
        audience="https://oauth2.googleapis.com/token",  # google-auth names Google's endpoint
    )
    assert claims["iss"] == SERVICE_ACCOUNT
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    bearers = [r.headers["Authorization"] for r in provider.requests]
    assert bearers == ["Bearer ya29.token-1", "Bearer ya29.token-1"]


def test_fcm_refreshes_its_token_before_it_expires(provider: Provider, fcm_key: Path) -> None:
    """A token within minutes of its expiry is replaced before it is sent, not after a 401."""
    provider.token_lifetime = 60  # inside google-auth's refresh margin from the start
    sender = fcm(provider.base_url, fcm_key)

    sender.send("device-token-1", "t", "b", {})
    sender.send("device-token-2", "t", "b", {})

    assert len(provider.token_requests) == 2
    bearers = [r.headers["Authorization"] for r in provider.requests]
    assert bearers == ["Bearer ya29.token-1", "Bearer ya29.token-2"]


def test_fcm_without_a_token_endpoint_is_retryable(
    tmp_path: Path, private_key: rsa.RSAPrivateKey, provider: Provider
) -> None:
    key = key_file(tmp_path, private_key, f"http://127.0.0.1:{free_port()}/token")

    with pytest.raises(RetryableDeliveryError, match="token"):
        fcm(provider.base_url, key).send("device-token-1", "t", "b", {})
    assert provider.requests == []


@pytest.mark.parametrize("content", [None, "{}", "not json"])
def test_a_missing_or_broken_key_file_stops_the_start(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(ConfigError, match="FCM_CREDENTIALS_FILE"):
        service_account_credentials(str(path))


def test_the_settings_choose_the_real_senders_and_console_ones_otherwise(fcm_key: Path) -> None:
    configured = make_settings(
        "sqlite://",
        smtp_host="smtp.example.com",
        smtp_from="Travellr <no-reply@example.com>",
        twilio_account_sid=SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from_number=FROM,
        fcm_project_id=PROJECT,
        fcm_credentials_file=str(fcm_key),
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
