"""The Stripe adapter over HTTP against localstripe, a fake Stripe server run by the session.

localstripe is not Stripe's test mode, and these tests show where it differs:
- it declines `pm_card_chargeCustomerFail` (card 4000000000000341), while it does not know
  Stripe's `pm_card_chargeDeclined` at all (an unknown payment method to it);
- its decline error does not carry the PaymentIntent, so a decline there has no provider_ref;
- it ignores Idempotency-Key and does not cap refunds at what was charged, so neither guarantee
  can be tested here, and our own books must enforce the refund limit.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from travellr.application.ports.payments import ChargeResult, ChargeStatus, InvalidPaymentMethod
from travellr.domain.errors import NotFound, NotRefundable, PaymentGatewayError
from travellr.domain.money import Money
from travellr.infrastructure.payments.stripe_gateway import StripePaymentGateway, minor_units

SECRET_KEY = "sk_test_12345"


@pytest.fixture
def gateway(localstripe: str) -> StripePaymentGateway:
    return StripePaymentGateway(SECRET_KEY, api_base=localstripe, timeout_seconds=5)


@pytest.fixture
def sdk(localstripe: str) -> stripe.StripeClient:
    """The SDK on its own, to look at what the adapter left on the server."""
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": localstripe})


def charge(
    gateway: StripePaymentGateway, amount: str = "100.00", payment_method: str = "pm_card_visa"
) -> ChargeResult:
    return gateway.charge(
        amount=Money(Decimal(amount)),
        payment_method=payment_method,
        idempotency_key=f"charge:{uuid.uuid4()}",
        metadata={"booking_id": "b-1"},
    )


def test_a_visa_charge_succeeds_and_its_status_says_so(
    gateway: StripePaymentGateway, sdk: stripe.StripeClient
) -> None:
    result = charge(gateway)

    assert result.status is ChargeStatus.SUCCEEDED
    assert result.provider_ref is not None
    assert result.failure_message is None
    assert gateway.status(result.provider_ref) is ChargeStatus.SUCCEEDED
    intent = sdk.v1.payment_intents.retrieve(result.provider_ref)
    assert (intent.currency, intent.metadata.to_dict()) == ("usd", {"booking_id": "b-1"})


def test_a_failing_card_is_declined_with_the_providers_message(
    gateway: StripePaymentGateway,
) -> None:
    """localstripe declines pm_card_chargeCustomerFail; Stripe's pm_card_chargeDeclined it lacks."""
    result = charge(gateway, payment_method="pm_card_chargeCustomerFail")

    assert result.status is ChargeStatus.DECLINED
    assert result.failure_message == "Your card was declined."
    assert result.provider_ref is None  # localstripe's error omits the intent; Stripe's has it


class DecliningStripe(BaseHTTPRequestHandler):
    """Answers every request with the 402 Stripe sends for a declined card, intent included."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "message": "Your card was declined.",
                    "payment_intent": {"id": "pi_declined", "object": "payment_intent"},
                }
            }
        ).encode()
        self.send_response(402)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def test_a_decline_keeps_the_intent_stripe_names_in_its_error() -> None:
    with ThreadingHTTPServer(("127.0.0.1", 0), DecliningStripe) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        gateway = StripePaymentGateway(
            SECRET_KEY, api_base=f"http://127.0.0.1:{server.server_port}"
        )
        try:
            result = charge(gateway, payment_method="pm_card_chargeDeclined")
        finally:
            server.shutdown()
            thread.join()

    assert result == ChargeResult(ChargeStatus.DECLINED, "pi_declined", "Your card was declined.")


def test_a_card_that_needs_3d_secure_is_pending(
    gateway: StripePaymentGateway, sdk: stripe.StripeClient
) -> None:
    """localstripe asks 4000002500003155 for authentication, as Stripe's test mode does."""
    method = sdk.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": "4000002500003155", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )

    result = charge(gateway, payment_method=method.id)

    assert result.status is ChargeStatus.PENDING
    assert result.provider_ref is not None
    assert gateway.status(result.provider_ref) is ChargeStatus.PENDING


@pytest.mark.parametrize("payment_method", ["pm_no_such_method", "pm_card_chargeDeclined"])
def test_an_unknown_payment_method_is_invalid(
    gateway: StripePaymentGateway, payment_method: str
) -> None:
    with pytest.raises(InvalidPaymentMethod) as raised:
        charge(gateway, payment_method=payment_method)

    assert raised.value.extra == {"field": "payment_method"}


@pytest.mark.parametrize("amount", ["100.01", "19.99", "1234.57"])
def test_amounts_are_sent_in_exact_cents(
    gateway: StripePaymentGateway, sdk: stripe.StripeClient, amount: str
) -> None:
    """19.99 is the float trap: int(19.99 * 100) == 1998."""
    result = charge(gateway, amount=amount)

    assert result.provider_ref is not None
    intent = sdk.v1.payment_intents.retrieve(result.provider_ref)
    assert intent.amount == int(amount.replace(".", ""))


@pytest.mark.parametrize(
    ("amount", "currency", "units"),
    [("100.01", "USD", 10001), ("1500", "JPY", 1500), ("12.34", "BHD", 12340)],
)
def test_minor_units_follow_the_currency(amount: str, currency: str, units: int) -> None:
    assert minor_units(Money(Decimal(amount), currency)) == units


def test_minor_units_refuse_to_round_a_fraction_of_a_yen() -> None:
    with pytest.raises(ValueError, match="minor units"):
        minor_units(Money(Decimal("1500.50"), "JPY"))


@pytest.mark.parametrize(("refunded", "expected_cents"), [("100.00", 10000), ("30.25", 3025)])
def test_full_and_partial_refunds_return_refund_ids(
    gateway: StripePaymentGateway, sdk: stripe.StripeClient, refunded: str, expected_cents: int
) -> None:
    result = charge(gateway, amount="100.00")
    assert result.provider_ref is not None

    refund_id = gateway.refund(
        provider_ref=result.provider_ref,
        amount=Money(Decimal(refunded)),
        idempotency_key=f"refund:{uuid.uuid4()}",
    )

    assert refund_id.startswith("re_")
    assert sdk.v1.refunds.retrieve(refund_id).amount == expected_cents


def test_refunding_an_unknown_payment_is_not_refundable(gateway: StripePaymentGateway) -> None:
    with pytest.raises(NotRefundable):
        gateway.refund(
            provider_ref="pi_unknown", amount=Money(Decimal(1)), idempotency_key="refund:unknown"
        )


def test_the_status_of_an_unknown_intent_is_not_found(gateway: StripePaymentGateway) -> None:
    with pytest.raises(NotFound):
        gateway.status("pi_unknown")


def test_a_rejected_api_key_is_a_gateway_error(localstripe: str) -> None:
    gateway = StripePaymentGateway("not-a-secret-key", api_base=localstripe)

    with pytest.raises(PaymentGatewayError, match="AuthenticationError"):
        charge(gateway)


def test_localstripe_ignores_idempotency_keys(gateway: StripePaymentGateway) -> None:
    """Stripe would answer a repeated key with the first intent; localstripe makes a second."""
    key = f"charge:{uuid.uuid4()}"

    def charge_with_the_same_key() -> ChargeResult:
        return gateway.charge(
            amount=Money(Decimal("10.00")),
            payment_method="pm_card_visa",
            idempotency_key=key,
            metadata={},
        )

    assert charge_with_the_same_key().provider_ref != charge_with_the_same_key().provider_ref


def test_localstripe_refunds_more_than_was_charged(
    gateway: StripePaymentGateway, sdk: stripe.StripeClient
) -> None:
    """Stripe refuses this; localstripe does not, which is why our books enforce the limit."""
    result = charge(gateway, amount="10.00")
    assert result.provider_ref is not None

    refund_id = gateway.refund(
        provider_ref=result.provider_ref,
        amount=Money(Decimal("25.00")),
        idempotency_key=f"refund:{uuid.uuid4()}",
    )

    assert sdk.v1.refunds.retrieve(refund_id).amount == 2500


def test_a_closed_port_is_a_gateway_error_at_once() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    gateway = StripePaymentGateway(
        SECRET_KEY, api_base=f"http://127.0.0.1:{closed}", timeout_seconds=0.5
    )
    started = time.monotonic()

    with pytest.raises(PaymentGatewayError, match="APIConnectionError"):
        charge(gateway)

    assert time.monotonic() - started < 2


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and reads the request but never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            accepted.append(connection)
            connection.recv(65536)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in [*accepted, listener]:
        connection.close()


def test_a_server_that_never_answers_is_a_gateway_error_after_the_timeout(
    silent_server: str,
) -> None:
    gateway = StripePaymentGateway(SECRET_KEY, api_base=silent_server, timeout_seconds=0.5)
    started = time.monotonic()

    with pytest.raises(PaymentGatewayError, match="APIConnectionError"):
        charge(gateway)

    assert 0.5 <= time.monotonic() - started < 3
