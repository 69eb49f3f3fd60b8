from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from travellr.domain.errors import (
    BelowMinimum,
    CurrencyMismatch,
    InvalidTransition,
    NothingToPay,
    RuleViolated,
)
from travellr.domain.events import VendorPaidOut
from travellr.domain.money import DEFAULT_COMMISSION, CommissionRate, Money
from travellr.domain.payouts import Payout, PayoutStatus

AT = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)
VENDOR = uuid4()


def usd(amount: str) -> Money:
    return Money(Decimal(amount))


def compute(**overrides):
    fields = {
        "vendor_id": VENDOR,
        "period_start": date(2026, 6, 1),
        "period_end": date(2026, 6, 30),
        "gross": usd("1000.00"),
        "refunded": usd("0"),
        "adjustment": usd("0"),
        "booking_count": 4,
        "commission": DEFAULT_COMMISSION,
        "now": AT,
    }
    return Payout.compute(**(fields | overrides))


def test_a_payout_gives_the_vendor_80_percent_of_net_and_the_platform_20():
    payout = compute(gross=usd("1000.00"), refunded=usd("99.99"))
    assert (payout.gross_amount, payout.refunded_amount) == (Decimal("1000.00"), Decimal("99.99"))
    assert (payout.vendor_amount, payout.platform_fee) == (Decimal("720.01"), Decimal("180.00"))
    assert (payout.status, payout.booking_count, payout.currency) == (
        PayoutStatus.PENDING,
        4,
        "USD",
    )
    assert (payout.vendor_id, payout.period_start, payout.period_end) == (
        VENDOR,
        date(2026, 6, 1),
        date(2026, 6, 30),
    )
    assert payout.provider_ref is None


def test_exactly_the_minimum_is_paid_out():
    payout = compute(gross=usd("62.50"))
    assert payout.vendor_money == usd("50.00")
    assert payout.platform_fee == Decimal("12.50")


def test_a_share_one_cent_under_the_minimum_is_refused_with_the_amount():
    with pytest.raises(BelowMinimum) as raised:
        compute(gross=usd("62.49"))
    assert raised.value.extra["amount"] == "49.99"


def test_the_minimum_is_configurable():
    assert compute(gross=usd("10.00"), minimum=usd("8.00")).vendor_amount == Decimal("8.00")
    with pytest.raises(BelowMinimum):
        compute(gross=usd("10.00"), minimum=usd("8.01"))


def test_refunds_made_after_an_earlier_payout_are_clawed_back_from_the_vendor_share():
    payout = compute(gross=usd("1000.00"), refunded=usd("100.00"), adjustment=usd("30.00"))
    assert payout.vendor_amount == Decimal("690.00")
    assert payout.platform_fee == Decimal("180.00")
    assert payout.adjustment_amount == Decimal("30.00")


def test_an_adjustment_that_takes_the_share_under_the_minimum_is_refused():
    with pytest.raises(BelowMinimum) as raised:
        compute(gross=usd("0"), booking_count=0, adjustment=usd("30.00"))
    assert raised.value.extra["amount"] == "-30.00"


def test_no_bookings_and_no_adjustment_is_nothing_to_pay():
    with pytest.raises(NothingToPay):
        compute(gross=usd("0"), booking_count=0)


def test_the_commission_rate_is_configurable():
    payout = compute(gross=usd("100.00"), commission=CommissionRate(Decimal("0.9")))
    assert (payout.vendor_amount, payout.platform_fee) == (Decimal("90.00"), Decimal("10.00"))


def test_amounts_in_different_currencies_are_refused():
    with pytest.raises(CurrencyMismatch):
        compute(refunded=Money(Decimal("1"), "EUR"))


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(RuleViolated, match="period_end"):
        compute(period_start=date(2026, 6, 2), period_end=date(2026, 6, 1))


@pytest.mark.parametrize(
    "overrides",
    [{"booking_count": -1}, {"adjustment": usd("-1.00")}, {"refunded": usd("1000.01")}],
)
def test_inconsistent_inputs_are_a_programming_error(overrides):
    with pytest.raises(ValueError, match="consistent"):
        compute(**overrides)


def test_marking_a_payout_paid_records_the_vendor_paid_out():
    payout = compute(gross=usd("100.01"), booking_count=2, minimum=usd("1"))
    paid_at = AT + timedelta(minutes=1)
    payout.mark_paid("po_1", paid_at)
    assert (payout.status, payout.provider_ref, payout.updated_at) == (
        PayoutStatus.PAID,
        "po_1",
        paid_at,
    )
    assert payout.pull_events() == [
        VendorPaidOut(
            occurred_at=paid_at,
            payout_id=payout.id,
            vendor_id=VENDOR,
            vendor_amount=Decimal("80.01"),
            platform_fee=Decimal("20.00"),
            currency="USD",
            booking_count=2,
        )
    ]


def test_marking_a_payout_failed_records_nothing():
    payout = compute()
    payout.mark_failed(AT)
    assert payout.status == PayoutStatus.FAILED
    assert payout.pull_events() == []


SETTLE = {
    PayoutStatus.PAID: lambda p: p.mark_paid("po_2", AT),
    PayoutStatus.FAILED: lambda p: p.mark_failed(AT),
}


@pytest.mark.parametrize("first", list(SETTLE))
@pytest.mark.parametrize("second", list(SETTLE))
def test_a_settled_payout_cannot_be_settled_again(first, second):
    payout = compute()
    SETTLE[first](payout)
    payout.pull_events()
    with pytest.raises(InvalidTransition):
        SETTLE[second](payout)
    assert payout.status == first
    assert payout.pull_events() == []
