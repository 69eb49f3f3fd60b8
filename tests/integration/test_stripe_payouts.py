"""The Stripe payout adapter over HTTP, against a tiny fake of Stripe's /v1/transfers.

localstripe (1.15, the session's fake Stripe for charges) has no Transfers: it answers
POST /v1/transfers with 404. So these tests run the adapter, through the real SDK, against a
local HTTP server that records each request and answers as Stripe documents it: the transfer
object, or Stripe's error body. They check what the adapter sends (the amount in minor units,
the lower-case currency, the destination account, the Idempotency-Key header) and how it maps
each kind of failure onto the port's errors.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from travellr.application.ports.payouts import NoPayoutAccount
from travellr.domain.errors import PaymentGatewayError
from travellr.domain.money import Money
from travellr.infrastructure.payments.stripe_payouts import StripePayoutGateway

SECRET_KEY = "sk_test_payouts"
ACCOUNT = "acct_1VendorPayouts"
VENDOR_ID = uuid.UUID("7b0d1d2e-9a4b-4f34-8d0c-0f5d2d0b6a11")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class FakeStripe:
    """What the fake answers next, and every request it received."""

    url: str = ""
    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body

    def error(self, status: int, kind: str, **details: str) -> None:
        self.answer(status, {"error": {"type": kind, "message": "refused", **details}})


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = parse_qs(self.rfile.read(length).decode())
            fake.received.append(Received(self.path, dict(self.headers.items()), form))
            payload = json.dumps(fake.body).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    return Handler


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake)) as server:
        fake.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield fake
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture
def gateway(fake_stripe: FakeStripe) -> StripePayoutGateway:
    return StripePayoutGateway(SECRET_KEY, api_base=fake_stripe.url, timeout_seconds=2)


def _transfer_body(transfer_id: str = "tr_1Payout") -> dict[str, Any]:
    return {"id": transfer_id, "object": "transfer", "amount": 1999, "currency": "usd"}


def _transfer(
    gateway: StripePayoutGateway,
    amount: str = "19.99",
    currency: str = "USD",
    account: str | None = ACCOUNT,
    key: str = "payout:1",
) -> str:
    return gateway.transfer(
        vendor_id=VENDOR_ID,
        account=account,
        amount=Money(Decimal(amount), currency),
        idempotency_key=key,
    )


def test_a_transfer_sends_exact_cents_to_the_vendors_account_under_the_key(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe
) -> None:
    """19.99 is the float trap: int(19.99 * 100) == 1998."""
    fake_stripe.answer(200, _transfer_body("tr_1Sent"))

    reference = _transfer(gateway, key="payout:4f1c")

    assert reference == "tr_1Sent"
    (request,) = fake_stripe.received
    assert request.path == "/v1/transfers"
    assert request.headers["Idempotency-Key"] == "payout:4f1c"
    assert request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    assert request.form["amount"] == ["1999"]
    assert request.form["currency"] == ["usd"]
    assert request.form["destination"] == [ACCOUNT]
    assert request.form["metadata[vendor_id]"] == [str(VENDOR_ID)]


def test_a_zero_decimal_currency_is_sent_in_whole_units(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe
) -> None:
    fake_stripe.answer(200, _transfer_body())

    _transfer(gateway, amount="5000", currency="JPY")

    assert fake_stripe.received[0].form["amount"] == ["5000"]
    assert fake_stripe.received[0].form["currency"] == ["jpy"]


def test_a_vendor_without_an_account_is_refused_before_calling_stripe(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(NoPayoutAccount) as raised:
        _transfer(gateway, account=None)

    assert raised.value.extra == {"vendor_id": str(VENDOR_ID)}
    assert fake_stripe.received == []


def test_a_destination_stripe_does_not_know_is_no_payout_account(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe
) -> None:
    fake_stripe.error(400, "invalid_request_error", param="destination", code="resource_missing")

    with pytest.raises(NoPayoutAccount) as raised:
        _transfer(gateway)

    assert raised.value.extra == {"vendor_id": str(VENDOR_ID)}


def test_a_platform_balance_too_low_is_a_gateway_error_not_the_vendors_fault(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe
) -> None:
    fake_stripe.error(400, "invalid_request_error", code="balance_insufficient")

    with pytest.raises(PaymentGatewayError, match="balance_insufficient"):
        _transfer(gateway)


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (500, "api_error", "APIError"),
        (503, "api_error", "APIError"),
        (401, "invalid_request_error", "AuthenticationError"),
        (429, "invalid_request_error", "RateLimitError"),
        (400, "idempotency_error", "IdempotencyError"),
    ],
)
def test_provider_failures_are_gateway_errors_without_the_providers_message(
    gateway: StripePayoutGateway, fake_stripe: FakeStripe, status: int, kind: str, error: str
) -> None:
    fake_stripe.error(status, kind)

    with pytest.raises(PaymentGatewayError) as raised:
        _transfer(gateway)

    assert error in str(raised.value)
    assert "refused" not in str(raised.value)
    assert len(fake_stripe.received) == 1  # no retries: the payout's transaction is waiting


def test_a_closed_port_is_a_gateway_error_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    gateway = StripePayoutGateway(
        SECRET_KEY, api_base=f"http://127.0.0.1:{closed}", timeout_seconds=0.5
    )
    started = time.monotonic()

    with pytest.raises(PaymentGatewayError, match="APIConnectionError"):
        _transfer(gateway)

    assert time.monotonic() - started < 2


def test_a_server_that_never_answers_is_a_gateway_error_after_the_timeout() -> None:
    """The listener's backlog completes the connection; nobody ever reads or answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        gateway = StripePayoutGateway(
            SECRET_KEY,
            api_base=f"http://127.0.0.1:{listener.getsockname()[1]}",
            timeout_seconds=0.5,
        )
        started = time.monotonic()

        with pytest.raises(PaymentGatewayError, match="APIConnectionError"):
            _transfer(gateway)

        assert 0.5 <= time.monotonic() - started < 3
