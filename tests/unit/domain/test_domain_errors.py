import pytest

from travellr.domain import errors
from travellr.domain.errors import DomainError

KINDS = [
    (errors.NotFound, DomainError, "not_found"),
    (errors.Forbidden, DomainError, "forbidden"),
    (errors.Conflict, DomainError, "conflict"),
    (errors.RuleViolated, DomainError, "rule_violated"),
    (errors.PaymentDeclined, DomainError, "payment_declined"),
    (errors.PaymentGatewayError, DomainError, "payment_gateway_error"),
    (errors.SoldOut, errors.Conflict, "sold_out"),
    (errors.PriceMismatch, errors.Conflict, "price_mismatch"),
    (errors.TripNotBookable, errors.Conflict, "trip_not_bookable"),
    (errors.InvalidTransition, errors.Conflict, "invalid_transition"),
    (errors.CapacityBelowTaken, errors.Conflict, "capacity_below_taken"),
    (errors.TripHasConfirmedBookings, errors.Conflict, "trip_has_confirmed_bookings"),
    (errors.NotRefundable, errors.Conflict, "not_refundable"),
    (errors.TripAlreadyStarted, errors.RuleViolated, "trip_already_started"),
    (errors.RefundExceedsRemaining, errors.RuleViolated, "refund_exceeds_remaining"),
    (errors.CurrencyMismatch, errors.RuleViolated, "currency_mismatch"),
    (errors.BelowMinimum, errors.RuleViolated, "below_minimum"),
    (errors.NothingToPay, errors.RuleViolated, "nothing_to_pay"),
]


@pytest.mark.parametrize(("error", "kind", "code"), KINDS)
def test_each_error_has_its_kind_code_and_own_title(error, kind, code):
    assert issubclass(error, kind)
    assert error.code == code
    assert error.title
    assert error.title != kind.title


def test_an_error_carries_its_detail_and_extra_fields():
    error = errors.BelowMinimum("share under 50.00", amount="49.99")
    assert error.detail == "share under 50.00"
    assert error.extra == {"amount": "49.99"}
    assert str(error) == "share under 50.00"


def test_an_error_without_detail_reads_as_its_title():
    error = errors.SoldOut()
    assert error.detail is None
    assert error.extra == {}
    assert str(error) == errors.SoldOut.title
