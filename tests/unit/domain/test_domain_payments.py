from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from travellr.domain.errors import (
    CurrencyMismatch,
    InvalidTransition,
    NotRefundable,
    RefundExceedsRemaining,
    RuleViolated,
)
from travellr.domain.events import PaymentFailed, PaymentProcessed, PaymentRefunded
from travellr.domain.money import Money
from travellr.domain.payments import Payment, PaymentStatus, RefundStatus

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
S = PaymentStatus


def usd(amount: str) -> Money:
    return Money(Decimal(amount))


def succeeded_payment(amount: Money) -> Payment:
    payment = Payment(
        id=uuid4(),
        booking_id=uuid4(),
        user_id=uuid4(),
        vendor_id=uuid4(),
        amount=amount,
        provider="mock",
        payment_method="pm_card_visa",
        now=AT,
    )
    payment.succeed(provider_ref="ch_1", now=AT)
    payment.pull_events()
    return payment


def test_a_payment_starts_pending_for_the_booking_total(make_booking, now):
    booking = make_booking(seats=2)
    payment = Payment.start(
        booking=booking, provider="stripe", payment_method="pm_card_visa", now=now
    )
    assert (payment.status, payment.amount, payment.currency) == (
        S.PENDING,
        Decimal("300.00"),
        "USD",
    )
    assert (payment.booking_id, payment.user_id, payment.vendor_id) == (
        booking.id,
        booking.user_id,
        booking.vendor_id,
    )
    assert payment.amount_refunded == Decimal("0.00")
    assert payment.provider_ref is None


def test_only_a_pending_booking_can_be_paid(make_booking, now):
    booking = make_booking(confirmed=True)
    with pytest.raises(InvalidTransition):
        Payment.start(booking=booking, provider="stripe", payment_method="pm_card_visa", now=now)


def test_a_retry_of_a_pending_charge_records_its_method_and_a_settled_one_refuses(
    make_booking, now
):
    payment = Payment.start(
        booking=make_booking(), provider="stripe", payment_method="pm_card_visa", now=now
    )
    payment.attempt("pm_card_mastercard", now + timedelta(minutes=1))
    assert (payment.payment_method, payment.updated_at) == (
        "pm_card_mastercard",
        now + timedelta(minutes=1),
    )
    payment.succeed(provider_ref="pi_1", now=now)
    with pytest.raises(InvalidTransition):
        payment.attempt("pm_card_visa", now)


def test_a_successful_charge_records_the_payment(make_booking, now):
    payment = Payment.start(
        booking=make_booking(), provider="stripe", payment_method="pm_card_visa", now=now
    )
    payment.succeed(provider_ref="pi_123", now=now + timedelta(seconds=2))
    assert (payment.status, payment.provider_ref) == (S.SUCCEEDED, "pi_123")
    assert payment.updated_at == now + timedelta(seconds=2)
    assert payment.pull_events() == [
        PaymentProcessed(
            occurred_at=now + timedelta(seconds=2),
            payment_id=payment.id,
            booking_id=payment.booking_id,
            user_id=payment.user_id,
            amount=Decimal("300.00"),
            currency="USD",
        )
    ]


def test_a_declined_charge_keeps_the_payment_as_failed(make_booking, now):
    payment = Payment.start(
        booking=make_booking(), provider="stripe", payment_method="pm_card_visa", now=now
    )
    payment.fail(message="Your card was declined.", provider_ref="pi_9", now=now)
    assert (payment.status, payment.failure_message) == (S.FAILED, "Your card was declined.")
    event = payment.pull_events()[0]
    assert isinstance(event, PaymentFailed)
    assert event.payload()["failure_message"] == "Your card was declined."


SETTLE = {
    S.SUCCEEDED: lambda p: p.succeed(provider_ref="x", now=AT),
    S.FAILED: lambda p: p.fail(message="no", provider_ref=None, now=AT),
}


@pytest.mark.parametrize("first", list(SETTLE))
@pytest.mark.parametrize("second", list(SETTLE))
def test_a_settled_payment_cannot_be_settled_again(make_booking, now, first, second):
    payment = Payment.start(
        booking=make_booking(), provider="mock", payment_method="pm_card_visa", now=now
    )
    SETTLE[first](payment)
    with pytest.raises(InvalidTransition):
        SETTLE[second](payment)
    assert payment.status == first


@pytest.mark.parametrize("target", list(SETTLE))
def test_a_refunded_payment_cannot_be_settled(target):
    payment = succeeded_payment(usd("10.00"))
    payment.refund(amount=None, reason=None, now=AT)
    with pytest.raises(InvalidTransition):
        SETTLE[target](payment)
    assert payment.status == S.REFUNDED


def test_a_partial_refund_leaves_the_rest_refundable():
    payment = succeeded_payment(usd("300.00"))
    refund = payment.refund(amount=usd("100.00"), reason="half day lost", now=AT)
    assert payment.status == S.PARTIALLY_REFUNDED
    assert payment.amount_refunded == Decimal("100.00")
    assert payment.refundable == usd("200.00")
    assert (refund.payment_id, refund.booking_id, refund.amount, refund.currency) == (
        payment.id,
        payment.booking_id,
        Decimal("100.00"),
        "USD",
    )
    assert (refund.status, refund.reason, refund.created_at) == (
        RefundStatus.PENDING,
        "half day lost",
        AT,
    )
    assert payment.pull_events() == [
        PaymentRefunded(
            occurred_at=AT,
            payment_id=payment.id,
            refund_id=refund.id,
            booking_id=payment.booking_id,
            user_id=payment.user_id,
            amount=Decimal("100.00"),
            currency="USD",
        )
    ]


def test_refunding_without_an_amount_refunds_all_that_is_left():
    payment = succeeded_payment(usd("300.00"))
    payment.refund(amount=usd("100.00"), reason=None, now=AT)
    refund = payment.refund(amount=None, reason=None, now=AT)
    assert refund.amount == Decimal("200.00")
    assert payment.status == S.REFUNDED
    assert payment.refundable == Money.zero()


def test_refunding_more_than_is_left_is_refused_and_says_what_is_left():
    payment = succeeded_payment(usd("300.00"))
    payment.refund(amount=usd("250.00"), reason=None, now=AT)
    with pytest.raises(RefundExceedsRemaining) as raised:
        payment.refund(amount=usd("50.01"), reason=None, now=AT)
    assert raised.value.extra["remaining"] == "50.00"
    assert payment.amount_refunded == Decimal("250.00")


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_a_refund_must_be_positive(amount):
    payment = succeeded_payment(usd("10.00"))
    with pytest.raises(RuleViolated, match="positive"):
        payment.refund(amount=usd(amount), reason=None, now=AT)
    assert payment.status == S.SUCCEEDED


def test_a_refund_in_another_currency_is_refused():
    payment = succeeded_payment(usd("10.00"))
    with pytest.raises(CurrencyMismatch):
        payment.refund(amount=Money(Decimal("1"), "EUR"), reason=None, now=AT)


@pytest.mark.parametrize("state", ["pending", "failed", "refunded"])
def test_only_a_succeeded_or_partly_refunded_payment_is_refundable(make_booking, now, state):
    payment = Payment.start(
        booking=make_booking(), provider="mock", payment_method="pm_card_visa", now=now
    )
    if state == "failed":
        payment.fail(message="declined", provider_ref=None, now=now)
    if state == "refunded":
        payment.succeed(provider_ref="x", now=now)
        payment.refund(amount=None, reason=None, now=now)
    with pytest.raises(NotRefundable) as raised:
        payment.refund(amount=usd("1.00"), reason=None, now=now)
    # `status` is the HTTP status in the problem body, so the payment's goes under another name.
    assert raised.value.extra["payment_status"] == state


def test_a_refund_is_settled_by_the_provider():
    refund = succeeded_payment(usd("10.00")).refund(amount=None, reason=None, now=AT)
    refund.succeed(provider_ref="re_1")
    assert (refund.status, refund.provider_ref) == (RefundStatus.SUCCEEDED, "re_1")
    refund.fail()
    assert refund.status == RefundStatus.FAILED


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)


@given(total=amounts, attempts=st.lists(st.one_of(st.none(), amounts), max_size=12))
def test_refunds_never_exceed_the_payment_and_the_status_follows(total, attempts):
    payment = succeeded_payment(Money(total))
    refunded = Decimal(0)
    for attempt in attempts:
        left = total - refunded
        amount = None if attempt is None else Money(attempt)
        if left == 0:
            with pytest.raises(NotRefundable):
                payment.refund(amount=amount, reason=None, now=AT)
        elif attempt is not None and attempt > left:
            with pytest.raises(RefundExceedsRemaining):
                payment.refund(amount=amount, reason=None, now=AT)
        else:
            refunded += payment.refund(amount=amount, reason=None, now=AT).amount
        assert payment.amount_refunded == refunded <= payment.amount
        expected = (
            S.SUCCEEDED
            if refunded == 0
            else (S.REFUNDED if refunded == total else S.PARTIALLY_REFUNDED)
        )
        assert payment.status == expected
