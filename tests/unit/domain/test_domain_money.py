from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from travellr.domain.errors import CurrencyMismatch
from travellr.domain.money import DEFAULT_COMMISSION, CommissionRate, Money

cents = st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2)


def usd(amount: str) -> Money:
    return Money(Decimal(amount))


def test_adding_ten_and_twenty_cents_is_exactly_thirty_cents():
    assert usd("0.10") + usd("0.20") == usd("0.30")
    assert (usd("0.10") + usd("0.20")).amount == Decimal("0.30")


def test_subtraction_keeps_the_currency():
    assert Money(Decimal("5.00"), "EUR") - Money(Decimal("7.50"), "EUR") == Money(
        Decimal("-2.50"), "EUR"
    )


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("0.125", "0.12"),
        ("0.135", "0.14"),
        ("0.145", "0.14"),
        ("-0.125", "-0.12"),
        ("1.999", "2.00"),
    ],
)
def test_amounts_are_rounded_half_even_to_the_cent(raw, rounded):
    assert Money(Decimal(raw)).amount == Decimal(rounded)


def test_multiplying_rounds_half_even():
    assert usd("0.25") * Decimal("0.5") == usd("0.12")
    assert usd("0.35") * Decimal("0.5") == usd("0.18")
    assert 3 * usd("150.00") == usd("450.00")


def test_a_float_amount_is_refused():
    with pytest.raises(TypeError):
        Money(0.1)  # type: ignore[arg-type]


def test_a_float_factor_is_refused():
    with pytest.raises(TypeError):
        usd("1.00") * 0.5  # type: ignore[operator]


def test_an_int_amount_is_accepted_and_shown_with_two_places():
    assert str(Money(5)) == "5.00"  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity")])
def test_a_non_finite_amount_is_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        Money(bad)


def test_the_currency_is_upper_cased_and_must_be_three_letters():
    assert Money(Decimal(1), "eur").currency == "EUR"
    for bad in ("US", "USDX", "U$D", "123", ""):
        with pytest.raises(ValueError, match="currency"):
            Money(Decimal(1), bad)


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_raises(operation):
    with pytest.raises(CurrencyMismatch) as raised:
        operation(Money(Decimal(1), "USD"), Money(Decimal(1), "EUR"))
    assert raised.value.code == "currency_mismatch"


def test_equal_amounts_in_different_currencies_are_not_equal():
    assert Money(Decimal(1), "USD") != Money(Decimal(1), "EUR")


def test_comparisons_follow_the_amount():
    assert usd("1.00") < usd("1.01") <= usd("1.01") < usd("2.00")
    assert usd("2.00") > usd("1.99") >= usd("1.99")
    assert not usd("1.00") > usd("1.00")


def test_zero_and_sign():
    zero = Money.zero("EUR")
    assert zero.is_zero
    assert not zero.is_positive
    assert zero.currency == "EUR"
    assert usd("0.01").is_positive
    assert not usd("0.01").is_zero
    assert not usd("-0.01").is_positive


def test_str_gives_two_places_and_never_a_negative_zero():
    assert str(usd("150")) == "150.00"
    assert str(usd("-0.001")) == "0.00"
    assert str(usd("-3.5")) == "-3.50"


def test_money_is_immutable():
    with pytest.raises(FrozenInstanceError):
        usd("1.00").amount = Decimal(2)  # type: ignore[misc]


def test_splitting_100_01_eighty_twenty_gives_80_01_and_20_00():
    assert DEFAULT_COMMISSION.split(usd("100.01")) == (usd("80.01"), usd("20.00"))


def test_splitting_rounds_the_vendor_share_half_even():
    # 0.80 * 0.05 = 0.04 exactly; 0.80 * 100.03 = 80.024 -> 80.02
    assert DEFAULT_COMMISSION.split(usd("100.03")) == (usd("80.02"), usd("20.01"))
    assert CommissionRate(Decimal("0.5")).split(usd("0.05")) == (usd("0.02"), usd("0.03"))


@given(net=cents, share=st.decimals(min_value=0, max_value=1, places=4))
def test_vendor_share_and_fee_always_add_up_to_net(net, share):
    vendor_amount, platform_fee = CommissionRate(share).split(Money(net))
    assert vendor_amount + platform_fee == Money(net)
    assert abs(vendor_amount.amount - net * share) <= Decimal("0.005")


@pytest.mark.parametrize("share", [Decimal("-0.01"), Decimal("1.01")])
def test_a_vendor_share_outside_zero_and_one_is_refused(share):
    with pytest.raises(ValueError, match="vendor_share"):
        CommissionRate(share)
