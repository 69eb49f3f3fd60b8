"""Who hears of which event, on which channels, in which words; and each message at most once."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from tests.support.notifications import FakeSender, FakeStore
from travellr.application.notifications import DeliveryFailed, notify
from travellr.application.ports.notifications import (
    PermanentDeliveryError,
    Recipient,
    RetryableDeliveryError,
    Senders,
    UnregisteredDevice,
)
from travellr.domain import events
from travellr.domain.notifications import Channel, DeliveryStatus, Preferences

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TRAVELLER, VENDOR = uuid.uuid4(), uuid.uuid4()


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(
        recipients={
            TRAVELLER: Recipient(TRAVELLER, "Ann", "ann@example.com", "+447700900001", True),
            VENDOR: Recipient(VENDOR, "Vic", "vic@example.com", None, True),
        }
    )


@pytest.fixture
def senders() -> Senders:
    return Senders(email=FakeSender(), sms=FakeSender(), push=FakeSender())


def sent(senders: Senders, channel: str) -> list[tuple[Any, ...]]:
    sender = getattr(senders, channel)
    assert isinstance(sender, FakeSender)
    return sender.sent


def confirmed() -> events.DomainEvent:
    return events.BookingConfirmed(
        occurred_at=NOW,
        booking_id=uuid.uuid4(),
        user_id=TRAVELLER,
        vendor_id=VENDOR,
        total_price=Decimal("150"),
        currency="USD",
    )


def run(event: events.DomainEvent, store: FakeStore, senders: Senders, **kw: Any) -> Any:
    return notify(
        uuid.uuid4(), event.name, event.payload(), store=store, senders=senders, now=NOW, **kw
    )


def with_channels(store: FakeStore, user_id: UUID, **changes: Any) -> None:
    recipient = store.recipients[user_id]
    store.recipients[user_id] = Recipient(**{**vars(recipient), **changes})


def test_a_confirmation_emails_the_traveller_and_the_vendor_with_the_amount(
    store: FakeStore, senders: Senders
) -> None:
    deliveries = run(confirmed(), store, senders)

    emails = {to: (subject, text, html) for to, subject, text, html in sent(senders, "email")}
    assert set(emails) == {"ann@example.com", "vic@example.com"}
    subject, text, html = emails["ann@example.com"]
    assert subject == "Booking confirmed: Alps <&> Lakes"
    assert "150.00 USD" in text
    assert "Hello Ann," in text
    assert "150.00 USD" in html
    assert "Alps &lt;&amp;&gt; Lakes" in html  # user-made text is escaped in the HTML part
    assert {(d.user_id, d.channel, d.status) for d in deliveries} == {
        (TRAVELLER, Channel.EMAIL, DeliveryStatus.DELIVERED),
        (VENDOR, Channel.EMAIL, DeliveryStatus.DELIVERED),
    }


def _events() -> list[tuple[events.DomainEvent, set[UUID]]]:
    booking, payment, both = uuid.uuid4(), uuid.uuid4(), {TRAVELLER, VENDOR}
    common: dict[str, Any] = {"occurred_at": NOW, "booking_id": booking, "user_id": TRAVELLER}
    money: dict[str, Any] = {**common, "payment_id": payment, "amount": Decimal("150")}
    return [
        (events.BookingCreated(**common, trip_id=booking, vendor_id=VENDOR, seats=2,
                               total_price=Decimal("300"), currency="USD"), both),
        (confirmed(), both),
        (events.BookingCancelled(**common, vendor_id=VENDOR, refund_amount=Decimal("75"),
                                 currency="USD", cancelled_by=TRAVELLER, reason=None), both),
        (events.BookingExpired(**common, trip_id=booking, seats=1), {TRAVELLER}),
        (events.BookingCompleted(**common, vendor_id=VENDOR), {TRAVELLER}),
        (events.PaymentFailed(**money, currency="USD", failure_message="Declined"), {TRAVELLER}),
        (events.PaymentRefunded(**money, currency="USD", refund_id=uuid.uuid4()), {TRAVELLER}),
        (events.PaymentProcessed(**money, currency="USD"), set()),
        (events.VendorPaidOut(occurred_at=NOW, payout_id=uuid.uuid4(), vendor_id=VENDOR,
                              vendor_amount=Decimal("800"), platform_fee=Decimal("200"),
                              currency="USD", booking_count=3), {VENDOR}),
    ]  # fmt: skip


@pytest.mark.parametrize(("event", "concerned"), _events(), ids=lambda v: getattr(v, "name", ""))
def test_each_event_reaches_the_people_it_concerns(
    store: FakeStore, senders: Senders, event: events.DomainEvent, concerned: set[UUID]
) -> None:
    deliveries = run(event, store, senders)

    assert {d.user_id for d in deliveries} == concerned
    assert len(sent(senders, "email")) == len(concerned)
    for _to, subject, text, html in sent(senders, "email"):
        assert subject
        assert text.startswith("Hello ")
        assert "None" not in text
        assert html.startswith("<!DOCTYPE html>")


def test_sms_and_push_follow_the_users_choices(store: FakeStore, senders: Senders) -> None:
    with_channels(
        store, TRAVELLER, preferences=Preferences(email=False, sms=True), device_tokens=("t1", "t2")
    )
    with_channels(
        store, VENDOR, preferences=Preferences(sms=True, push=False), device_tokens=("t3",)
    )

    run(confirmed(), store, senders)

    assert [to for to, *_ in sent(senders, "email")] == ["vic@example.com"]  # Ann turned it off
    assert sent(senders, "sms") == [
        ("+447700900001", "Your booking for Alps <&> Lakes is confirmed: 150.00 USD paid.")
    ]  # Vic wants SMS but has no phone
    assert [(token, title) for token, title, _body, _data in sent(senders, "push")] == [
        ("t1", "Booking confirmed: Alps <&> Lakes"),
        ("t2", "Booking confirmed: Alps <&> Lakes"),
    ]
    assert sent(senders, "push")[0][3]["event"] == "booking.confirmed"


def test_a_redelivered_event_sends_nothing_twice(store: FakeStore, senders: Senders) -> None:
    event, event_id = confirmed(), uuid.uuid4()
    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    again = notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    assert len(sent(senders, "email")) == 2
    assert [(d.status, d.attempts) for d in again] == [(DeliveryStatus.DELIVERED, 1)] * 2


def test_a_deactivated_account_hears_nothing(store: FakeStore, senders: Senders) -> None:
    with_channels(store, VENDOR, is_active=False)

    deliveries = run(confirmed(), store, senders)

    assert [d.user_id for d in deliveries] == [TRAVELLER]


def test_a_permanent_failure_is_recorded_logged_and_never_retried(
    store: FakeStore, senders: Senders, caplog: pytest.LogCaptureFixture
) -> None:
    email = senders.email
    assert isinstance(email, FakeSender)
    email.fail["ann@example.com"] = PermanentDeliveryError("550 no such mailbox")
    event, event_id = confirmed(), uuid.uuid4()

    with caplog.at_level(logging.WARNING, logger="travellr.notifications"):
        notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)
    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    record = store.records[(event_id, TRAVELLER, Channel.EMAIL)]
    assert (record.status, record.attempts, record.error) == (
        DeliveryStatus.FAILED, 1, "550 no such mailbox"
    )  # fmt: skip
    assert [getattr(r, "channel", None) for r in caplog.records] == ["email"]
    assert [to for to, *_ in email.sent] == ["vic@example.com"]


def test_a_retryable_failure_raises_and_the_retry_sends_only_what_is_missing(
    store: FakeStore, senders: Senders
) -> None:
    email = senders.email
    assert isinstance(email, FakeSender)
    email.fail["ann@example.com"] = RetryableDeliveryError("SMTP unreachable")
    event, event_id = confirmed(), uuid.uuid4()

    with pytest.raises(DeliveryFailed, match="SMTP unreachable"):
        notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)
    pending = store.records[(event_id, TRAVELLER, Channel.EMAIL)]
    assert (pending.status, pending.attempts) == (DeliveryStatus.PENDING, 1)

    del email.fail["ann@example.com"]
    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    assert [to for to, *_ in email.sent] == ["vic@example.com", "ann@example.com"]
    done = store.records[(event_id, TRAVELLER, Channel.EMAIL)]
    assert (done.status, done.attempts, done.error) == (DeliveryStatus.DELIVERED, 2, None)


def test_on_the_final_attempt_a_retryable_failure_is_given_up_and_logged(
    store: FakeStore, senders: Senders, caplog: pytest.LogCaptureFixture
) -> None:
    email = senders.email
    assert isinstance(email, FakeSender)
    email.fail["ann@example.com"] = RetryableDeliveryError("timed out")
    event, event_id = confirmed(), uuid.uuid4()
    with pytest.raises(DeliveryFailed):
        notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    with caplog.at_level(logging.WARNING, logger="travellr.notifications"):
        notify(
            event_id, event.name, event.payload(), store=store, senders=senders, now=NOW,
            final_attempt=True,
        )  # fmt: skip

    record = store.records[(event_id, TRAVELLER, Channel.EMAIL)]
    assert record.status is DeliveryStatus.FAILED
    assert record.error == "gave up after 2 attempts: timed out"
    assert len(caplog.records) == 1


def test_a_push_reaching_one_device_is_delivered_and_dead_tokens_are_forgotten(
    store: FakeStore, senders: Senders
) -> None:
    with_channels(store, TRAVELLER, device_tokens=("dead", "flaky", "alive"))
    push = senders.push
    assert isinstance(push, FakeSender)
    push.fail.update(dead=UnregisteredDevice("UNREGISTERED"), flaky=RetryableDeliveryError("503"))
    event, event_id = confirmed(), uuid.uuid4()

    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    assert store.records[(event_id, TRAVELLER, Channel.PUSH)].status is DeliveryStatus.DELIVERED
    assert [token for token, *_ in push.sent] == ["alive"]
    assert store.forgotten == ["dead"]


def test_a_push_reaching_no_device_is_retried(store: FakeStore, senders: Senders) -> None:
    with_channels(store, TRAVELLER, device_tokens=("dead", "flaky"))
    push = senders.push
    assert isinstance(push, FakeSender)
    push.fail.update(dead=UnregisteredDevice("UNREGISTERED"), flaky=RetryableDeliveryError("503"))

    with pytest.raises(DeliveryFailed, match="push"):
        run(confirmed(), store, senders)


def test_a_cancellation_tells_the_traveller_the_refund_or_that_none_is_due(
    store: FakeStore, senders: Senders
) -> None:
    for refund in ("40", "0"):
        event = events.BookingCancelled(
            occurred_at=NOW, booking_id=uuid.uuid4(), user_id=TRAVELLER, vendor_id=VENDOR,
            refund_amount=Decimal(refund), currency="EUR", cancelled_by=VENDOR, reason="Storm",
        )  # fmt: skip
        run(event, store, senders)

    texts = [text for to, _s, text, _h in sent(senders, "email") if to == "ann@example.com"]
    assert "We are refunding 40.00 EUR to your payment method." in texts[0]
    assert "by the trip's organiser" in texts[0]
    assert "Reason: Storm" in texts[0]
    assert "No refund is due." in texts[1]


def test_an_email_sent_again_after_a_crash_carries_the_same_message_key(
    store: FakeStore, senders: Senders
) -> None:
    """The SMTP adapter makes the Message-ID of this key: a repeat is the same message."""
    email = senders.email
    assert isinstance(email, FakeSender)
    event, event_id = confirmed(), uuid.uuid4()
    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)
    # The worker died after sending, before its record of the delivery was kept.
    del store.records[(event_id, TRAVELLER, Channel.EMAIL)]

    notify(event_id, event.name, event.payload(), store=store, senders=senders, now=NOW)

    to_ann = [key for (to, *_), key in zip(email.sent, email.message_keys, strict=True)
              if to == "ann@example.com"]  # fmt: skip
    assert to_ann == [f"{event_id}.{TRAVELLER}.email"] * 2
    other_event = uuid.uuid4()
    notify(other_event, event.name, event.payload(), store=store, senders=senders, now=NOW)
    assert f"{other_event}.{TRAVELLER}.email" in email.message_keys  # another event, another id
