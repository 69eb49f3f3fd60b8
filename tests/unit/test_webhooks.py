"""Outgoing webhooks without a database: the signature, the retry schedule, the URL and
address rules, and the secret box."""

from __future__ import annotations

import base64
import ipaddress
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.support.webhook_receiver import KnownHosts
from travellr.application.ports.webhooks import UrlRules
from travellr.application.webhooks import check_url, new_secret, signature_headers
from travellr.domain.webhooks import (
    RETRY_DELAYS,
    RefusedUrl,
    check_event_types,
    next_attempt_delay,
    parse_url,
    public_event_type,
    refused_address,
)
from travellr.infrastructure.webhooks.addresses import SystemResolver
from travellr.infrastructure.webhooks.secret_box import FernetSecretBox

# The Standard Webhooks test vector (standard-webhooks' own library tests).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
STRICT = UrlRules(allow_http=True, allow_private=False)


def test_the_signature_matches_the_standard_webhooks_test_vector() -> None:
    at = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)

    headers = signature_headers(VECTOR_SECRET, VECTOR_ID, VECTOR_BODY, at)

    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_the_headers_are_verified_by_the_standardwebhooks_library() -> None:
    secret, event_id = new_secret(), UUID("6f1c1d7e-33a5-4a0e-9d53-0c1f6b7e2a11")
    body = '{"id": "6f1c1d7e-33a5-4a0e-9d53-0c1f6b7e2a11", "type": "ping", "data": {}}'

    headers = signature_headers(secret, str(event_id), body, datetime.now(UTC))

    assert headers["webhook-id"] == str(event_id)
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers)["type"] == "ping"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("ping", "pong"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_a_secret_is_whsec_and_base64_of_at_least_24_random_bytes() -> None:
    secrets = {new_secret() for _ in range(50)}

    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) >= 24


def test_failed_attempts_are_retried_on_the_contract_schedule_then_given_up() -> None:
    expected = [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=10),
    ]

    delays = [next_attempt_delay(attempts) for attempts in range(1, 9)]

    assert delays == [*expected, None]
    assert list(RETRY_DELAYS) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",  # 127.0.0.1 in decimal
        "http://0x7f000001/",  # and in hex
        "http://0177.0.0.1/",  # and in octal
        "http://localhost/",
        "http://localhost./",
        "http://LOCALHOST.:8080/",
        "http://app.localhost/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[::]/",
        "http://0.0.0.0/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
        "https://internal.example.com/",  # a name that resolves to 10.1.2.3
        "https://split.example.com/",  # one public address and one private
    ],
)
def test_a_url_reaching_a_refused_address_is_refused(url: str) -> None:
    resolver = KnownHosts(
        {"internal.example.com": ["10.1.2.3"], "split.example.com": ["93.184.215.14", "10.0.0.9"]}
    )

    with pytest.raises(RefusedUrl) as refused:
        check_url(url, rules=STRICT, resolver=resolver)

    assert "url" in refused.value.extra["errors"]  # type: ignore[operator]


def test_a_public_address_is_accepted_and_private_ones_only_when_allowed() -> None:
    resolver = KnownHosts({"hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07::1"]})
    relaxed = UrlRules(allow_http=True, allow_private=True)

    check_url("https://hooks.example.com/in", rules=STRICT, resolver=resolver)
    check_url("http://127.0.0.1:8080/in", rules=relaxed, resolver=resolver)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "https://user@hooks.example.com/",
        "https://user:secret@hooks.example.com/",
        "https://hooks.example.com:99999/",
        "https:///path",
        "https://hooks.example.com/" + "a" * 2048,
        "https://hooks.example.com/\nX-Injected: 1",
    ],
)
def test_a_malformed_url_is_refused(url: str) -> None:
    with pytest.raises(RefusedUrl):
        parse_url(url, allow_http=True)


def test_http_is_refused_when_not_allowed() -> None:
    with pytest.raises(RefusedUrl):
        parse_url("http://hooks.example.com/", allow_http=False)
    assert parse_url("https://hooks.example.com:8443/a?b=1", allow_http=False).path == "/a?b=1"


def test_the_system_resolver_reads_numeric_and_dotted_names() -> None:
    resolver = SystemResolver()

    assert ipaddress.ip_address("127.0.0.1") in resolver.resolve("2130706433", 80)
    assert ipaddress.ip_address("127.0.0.1") in resolver.resolve("0x7f.1", 80)
    assert ipaddress.ip_address("127.0.0.1") in resolver.resolve("localhost", 80)
    assert resolver.resolve("no-such-host.invalid", 80) == []


def test_an_ipv4_mapped_address_is_judged_as_its_ipv4() -> None:
    assert refused_address(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert not refused_address(ipaddress.ip_address("::ffff:93.184.215.14"))


def test_event_types_are_checked_and_outbox_names_made_public() -> None:
    assert check_event_types(["booking.created", "booking.created"]) == ["booking.created"]
    assert check_event_types(["booking.created", "*"]) == ["*"]
    assert public_event_type("payment.processed") == "payment.succeeded"
    assert public_event_type("vendor.paid_out") == "payout.paid"
    assert public_event_type("booking.cancelled") == "booking.cancelled"
    assert public_event_type("something.internal") is None


def test_a_secret_sealed_under_an_old_key_opens_after_the_key_is_rotated() -> None:
    old = FernetSecretBox(["old-key-of-at-least-32-characters!!"])
    sealed = old.seal("whsec_abc")
    rotated = FernetSecretBox(
        ["new-key-of-at-least-32-characters!!", "old-key-of-at-least-32-characters!!"]
    )

    assert "whsec_abc" not in sealed
    assert rotated.open(sealed) == "whsec_abc"
    new_only = FernetSecretBox(["new-key-of-at-least-32-characters!!"])
    assert new_only.open(rotated.seal("whsec_def")) == "whsec_def"
