"""Domain errors. The API maps the base kinds to HTTP statuses and `code` to the problem body."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an action; `extra` holds fields for the problem body."""

    code = "domain_error"
    title = "The request breaks a business rule"
    # The request lost a race, or waits on a step still in flight: the same request may well
    # succeed later, so an idempotency key must not keep replaying this answer.
    retryable = False

    def __init__(self, detail: str | None = None, **extra: object) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extra: dict[str, object] = dict(extra)


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed for your role"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflicts with the current state"


class ConcurrentChange(Conflict):
    """A concurrent request changed what this one read; retrying it reads the change."""

    retryable = True


class RuleViolated(DomainError):
    code = "rule_violated"
    title = "Breaks a business rule"


class PaymentDeclined(DomainError):
    code = "payment_declined"
    title = "The payment was declined"


class PaymentGatewayError(DomainError):
    """The payment provider is unavailable or timed out; nothing is known to have been charged."""

    code = "payment_gateway_error"
    title = "The payment provider is unavailable"


class SoldOut(Conflict):
    code = "sold_out"
    title = "Not enough seats left"


class PriceMismatch(Conflict):
    code = "price_mismatch"
    title = "The expected total differs from the current price"


class TripNotBookable(Conflict):
    code = "trip_not_bookable"
    title = "The trip is not bookable"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Not allowed in the current status"


class CapacityBelowTaken(Conflict):
    code = "capacity_below_taken"
    title = "Capacity is below the seats already taken"


class TripHasConfirmedBookings(Conflict):
    code = "trip_has_confirmed_bookings"
    title = "The trip has confirmed bookings"


class NotRefundable(Conflict):
    code = "not_refundable"
    title = "The payment cannot be refunded"


class TripAlreadyStarted(RuleViolated):
    code = "trip_already_started"
    title = "The trip has already started"


class RefundExceedsRemaining(RuleViolated):
    code = "refund_exceeds_remaining"
    title = "The refund exceeds what is left to refund"


class CurrencyMismatch(RuleViolated):
    code = "currency_mismatch"
    title = "Amounts in different currencies"


class BelowMinimum(RuleViolated):
    code = "below_minimum"
    title = "The amount is below the payout minimum"


class NothingToPay(RuleViolated):
    code = "nothing_to_pay"
    title = "There is nothing to pay out"
