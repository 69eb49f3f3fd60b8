"""Paying and refunding through the use cases, against a fake gateway and unit of work."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from tests.unit.application.fakes import NOW, World
from travellr.application.payments import handle_provider_event, refund_payment
from travellr.application.ports.payments import ChargeResult, ChargeStatus
from travellr.domain.actors import Actor, Role
from travellr.domain.bookings import BookingStatus
from travellr.domain.errors import (
    Forbidden,
    InvalidTransition,
    NotFound,
    NotRefundable,
    PaymentDeclined,
    PaymentGatewayError,
    RefundExceedsRemaining,
)
from travellr.domain.money import DEFAULT_COMMISSION, Money
from travellr.domain.payments import PaymentStatus, Refund


def _refund(world: World, payment_id: uuid.UUID, amount: str | None, actor: Actor) -> Refund:
    return refund_payment(
        payment_id,
        None if amount is None else Decimal(amount),
        "goodwill",
        actor=actor,
        uow=world.db.uow(),
        gateway=world.gateway,
        commission=DEFAULT_COMMISSION,
        now=NOW,
    )


def test_paying_confirms_the_booking_with_the_payment_id_as_the_gateway_key() -> None:
    world = World()
    booking = world.book(world.trip(), seats=2)

    payment = world.pay(booking.id)

    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.amount == Decimal("300.00")
    assert world.db.bookings[booking.id].status == BookingStatus.CONFIRMED
    assert world.db.payments[payment.id].status == PaymentStatus.SUCCEEDED
    assert list(world.gateway.charges) == [f"payment:{payment.id}"]
    assert [entry.reference_id for entry in world.db.ledger] == [payment.id]


def test_a_declined_card_leaves_the_payment_failed_and_the_booking_pending() -> None:
    world = World()
    booking = world.book(world.trip())

    with pytest.raises(PaymentDeclined) as declined:
        world.pay(booking.id, "pm_card_chargeDeclined")

    assert declined.value.extra["booking_id"] == str(booking.id)
    failed = world.payment_of(booking.id)
    assert failed.status == PaymentStatus.FAILED
    assert failed.failure_message == "Your card was declined."
    assert world.db.bookings[booking.id].status == BookingStatus.PENDING
    assert world.db.ledger == []
    retried = world.pay(booking.id)
    assert retried.id != failed.id
    assert world.db.bookings[booking.id].status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("charged_before_timeout", [False, True])
def test_a_gateway_timeout_leaves_everything_pending_and_the_retry_charges_once(
    charged_before_timeout: bool,
) -> None:
    world = World()
    booking = world.book(world.trip())
    world.gateway.timeouts, world.gateway.charged_before_timeout = 1, charged_before_timeout

    with pytest.raises(PaymentGatewayError):
        world.pay(booking.id)

    pending = world.payment_of(booking.id)
    assert pending.status == PaymentStatus.PENDING
    assert world.db.bookings[booking.id].status == BookingStatus.PENDING
    retried = world.pay(booking.id)
    assert retried.id == pending.id
    assert retried.status == PaymentStatus.SUCCEEDED
    assert world.gateway.charge_calls == [f"payment:{pending.id}"] * 2
    assert list(world.gateway.charges) == [f"payment:{pending.id}"]
    assert world.db.bookings[booking.id].status == BookingStatus.CONFIRMED


def test_an_unknown_payment_method_is_declined_and_keeps_the_payment_as_failed() -> None:
    world = World()
    booking = world.book(world.trip())

    with pytest.raises(PaymentDeclined) as declined:
        world.pay(booking.id, "pm_nonsense")

    assert declined.value.extra["booking_id"] == str(booking.id)

    assert world.payment_of(booking.id).status == PaymentStatus.FAILED
    assert world.db.bookings[booking.id].status == BookingStatus.PENDING


def test_only_the_bookings_traveller_pays_and_strangers_do_not_see_it() -> None:
    world = World()
    booking = world.book(world.trip())

    with pytest.raises(NotFound):
        world.pay(booking.id, actor=Actor(uuid.uuid4(), Role.TRAVELER))
    with pytest.raises(Forbidden):
        world.pay(booking.id, actor=world.vendor)
    with pytest.raises(Forbidden):
        world.pay(booking.id, actor=world.admin)

    assert world.db.payments == {}
    assert world.gateway.charge_calls == []


def test_a_confirmed_booking_is_not_paid_twice() -> None:
    world = World()
    booking = world.paid_booking()

    with pytest.raises(InvalidTransition):
        world.pay(booking.id)

    assert len(world.gateway.charge_calls) == 1


def test_the_vendor_refunds_part_and_an_admin_the_rest() -> None:
    world = World()
    payment = world.payment_of(world.paid_booking().id)

    partial = _refund(world, payment.id, "100.00", world.vendor)
    rest = _refund(world, payment.id, None, world.admin)

    stored = world.db.payments[payment.id]
    assert partial.amount == Decimal("100.00")
    assert rest.amount == Decimal("200.00")
    assert stored.status == PaymentStatus.REFUNDED
    assert stored.amount_refunded == sum(r.amount for r in world.db.refunds.values())
    assert sorted(world.gateway.refunds.values(), key=lambda m: m.amount) == [
        Money(Decimal("100.00")),
        Money(Decimal("200.00")),
    ]


def test_a_refund_over_what_is_left_or_of_a_refunded_payment_is_refused() -> None:
    world = World()
    payment = world.payment_of(world.paid_booking().id)
    _refund(world, payment.id, "250.00", world.vendor)

    with pytest.raises(RefundExceedsRemaining):
        _refund(world, payment.id, "50.01", world.vendor)
    _refund(world, payment.id, "50.00", world.vendor)
    with pytest.raises(NotRefundable):
        _refund(world, payment.id, None, world.admin)

    assert world.db.payments[payment.id].amount_refunded == Decimal("300.00")
    assert len(world.db.refunds) == 2


def test_travellers_cannot_refund_and_other_vendors_do_not_see_the_payment() -> None:
    world = World()
    payment = world.payment_of(world.paid_booking().id)

    with pytest.raises(Forbidden):
        _refund(world, payment.id, None, world.traveller)
    with pytest.raises(NotFound):
        _refund(world, payment.id, None, Actor(uuid.uuid4(), Role.VENDOR))

    assert world.db.refunds == {}


def test_a_refund_the_gateway_fails_leaves_nothing_recorded() -> None:
    world = World()
    payment = world.payment_of(world.paid_booking().id)
    commits, books = world.db.commits, list(world.db.ledger)
    world.gateway.refund_failures = 1

    with pytest.raises(PaymentGatewayError):
        _refund(world, payment.id, "100.00", world.vendor)

    stored = world.db.payments[payment.id]
    assert world.db.commits == commits
    assert world.db.ledger == books
    assert stored.status == PaymentStatus.SUCCEEDED
    assert stored.amount_refunded == Decimal("0.00")
    assert world.db.refunds == {}


def test_a_provider_event_settles_a_pending_payment_once() -> None:
    world = World()
    booking = world.book(world.trip())
    world.gateway.timeouts = 1
    with pytest.raises(PaymentGatewayError):
        world.pay(booking.id)
    payment = world.payment_of(booking.id)
    result = ChargeResult(ChargeStatus.SUCCEEDED, "ch_from_webhook")

    for _ in range(2):
        handle_provider_event(
            "evt_1", "payment_intent.succeeded", payment_id=payment.id, result=result,
            uow=world.db.uow(), now=NOW,
        )  # fmt: skip

    assert world.db.payments[payment.id].status == PaymentStatus.SUCCEEDED
    assert world.db.payments[payment.id].provider_ref == "ch_from_webhook"
    assert world.db.bookings[booking.id].status == BookingStatus.CONFIRMED
    assert world.db.webhook_events == {"evt_1"}
    assert world.db.commits == 3  # the booking, the payment, the first event; not the repeat
