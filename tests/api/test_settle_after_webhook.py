"""A charge's answer settles the booking and payment committed before it without reading them
again; the UPDATEs check the status they were read with, so a webhook that settled first wins."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tests.api.conftest import Api
from tests.api.factories import book, make_trip
from travellr.application.booking_steps import settle
from travellr.application.payments import handle_provider_event
from travellr.application.ports.payments import ChargeResult, ChargeStatus
from travellr.domain.bookings import Booking, BookingStatus
from travellr.domain.errors import Conflict
from travellr.domain.payments import Payment, PaymentStatus
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.uow import SqlUnitOfWork

RACERS = 5
SUCCEEDED = ChargeResult(ChargeStatus.SUCCEEDED, "pi_first", None)
DECLINED = ChargeResult(ChargeStatus.DECLINED, "pi_first", "Your card was declined.")


def _pending_payment(app: Flask, api: Api) -> tuple[Booking, Payment]:
    """A pending booking and its pending payment, committed, as the charge sees them."""
    trip = make_trip(api, api.register("vendor"))
    booking_id = uuid.UUID(book(api, api.register(), trip)["id"])
    with _uow(app) as uow:
        booking = uow.bookings.get(booking_id)
        assert booking is not None
        payment = Payment.start(
            booking=booking, provider="mock", payment_method="pm_card_visa", now=datetime.now(UTC)
        )
        uow.payments.add(payment)
        uow.commit()
    return booking, payment


def _uow(app: Flask) -> SqlUnitOfWork:
    """Wired as the app's: a commit that is all its transaction runs in autocommit."""
    services = app.extensions["travellr"]
    return SqlUnitOfWork(services.session_factory, single_statements=services.read_session_factory)


def _webhook_settles(app: Flask, payment_id: uuid.UUID, result: ChargeResult) -> None:
    handle_provider_event(
        f"evt_{uuid.uuid4().hex}",
        "payment_intent.succeeded",
        payment_id=payment_id,
        result=result,
        uow=_uow(app),
        now=datetime.now(UTC),
    )


def _changed_meanwhile(app: Flask, table: Any, row_id: uuid.UUID, **values: Any) -> None:
    """Another writer changes the row after a copy of it was read."""
    with app.extensions["travellr"].engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == row_id).values(**values))


def _count(app: Flask, table: Any, *where: Any) -> int:
    with app.extensions["travellr"].engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def test_the_answer_settles_what_was_committed(app: Flask, api: Api) -> None:
    booking, payment = _pending_payment(app, api)

    settled = settle(booking, payment, SUCCEEDED, new_uow=lambda: _uow(app), now=datetime.now(UTC))

    assert settled == (booking, payment)  # the same objects, not a re-read
    with _uow(app) as uow:
        assert uow.bookings.get(booking.id).status == BookingStatus.CONFIRMED
        assert uow.payments.get(payment.id).status == PaymentStatus.SUCCEEDED
    ledger = tables.ledger_entries.c
    assert _count(app, tables.ledger_entries, ledger.reference_id == payment.id) == 2


@pytest.mark.parametrize("late_answer", [SUCCEEDED, DECLINED], ids=["success", "decline"])
def test_an_answer_after_the_webhook_changes_nothing(
    app: Flask, api: Api, late_answer: ChargeResult
) -> None:
    booking, payment = _pending_payment(app, api)
    payment_id = payment.id  # the late answer's failed attempt leaves `payment` expired
    _webhook_settles(app, payment_id, SUCCEEDED)

    late = settle(booking, payment, late_answer, new_uow=lambda: _uow(app), now=datetime.now(UTC))

    settled_booking, settled_payment = late
    assert settled_booking.status == BookingStatus.CONFIRMED
    assert settled_payment.status == PaymentStatus.SUCCEEDED
    ledger, outbox = tables.ledger_entries.c, tables.outbox.c
    assert _count(app, tables.ledger_entries, ledger.reference_id == payment_id) == 2  # one charge
    processed = (outbox.name == "payment.processed", outbox.aggregate_id == payment_id)
    assert _count(app, tables.outbox, *processed) == 1


def test_a_change_to_a_row_whose_status_moved_is_refused(app: Flask, api: Api) -> None:
    booking, _ = _pending_payment(app, api)
    booking_id = booking.id
    _changed_meanwhile(app, tables.bookings, booking_id, status=BookingStatus.EXPIRED)

    with _uow(app) as uow:
        uow.bookings.attach(booking)  # still pending, as read
        booking.notes = "written over an expired booking?"
        with pytest.raises(Conflict):
            uow.commit()

    with _uow(app) as uow:
        stored = uow.bookings.get(booking_id)
    assert stored is not None
    assert (stored.status, stored.notes) == (BookingStatus.EXPIRED, None)


def test_an_attached_change_that_breaks_a_constraint_is_a_conflict(app: Flask, api: Api) -> None:
    booking, _ = _pending_payment(app, api)
    with _uow(app) as uow:
        uow.bookings.attach(booking)
        booking.seats = 0  # CHECK seats >= 1
        with pytest.raises(Conflict):
            uow.commit()


def test_an_attached_row_gets_only_the_columns_that_changed_on_it(app: Flask, api: Api) -> None:
    booking, _ = _pending_payment(app, api)
    booking_id = booking.id
    _changed_meanwhile(app, tables.bookings, booking_id, cancel_reason="set meanwhile")

    with _uow(app) as uow:
        uow.bookings.attach(booking)  # its copy has no cancel_reason
        booking.notes = "window seat"
        uow.commit()

    with _uow(app) as uow:
        stored = uow.bookings.get(booking_id)
    assert stored is not None
    assert (stored.notes, stored.cancel_reason) == ("window seat", "set meanwhile")


def test_a_row_without_a_version_column_is_written_whatever_moved(app: Flask, api: Api) -> None:
    trip_id = uuid.UUID(make_trip(api, api.register("vendor"))["id"])
    with _uow(app) as uow:
        trip = uow.trips.get(trip_id)
    assert trip is not None
    _changed_meanwhile(app, tables.trips, trip_id, title="Moved")

    with _uow(app) as uow:
        uow.trips.attach(trip)
        trip.description = "Changed"
        uow.commit()

    with _uow(app) as uow:
        stored = uow.trips.get(trip_id)
    assert stored is not None
    assert (stored.title, stored.description) == ("Moved", "Changed")


def test_a_change_made_after_a_first_commit_is_written_by_the_second(app: Flask, api: Api) -> None:
    """Changing a loaded row begins the session's next transaction, so the second commit
    flushes it, rather than taking the path of a commit whose writes are all the
    transaction's (which flushes nothing)."""
    trip_id = uuid.UUID(make_trip(api, api.register("vendor"))["id"])
    with _uow(app) as uow:
        trip = uow.trips.get(trip_id)
        assert trip is not None
        trip.description = "First"
        uow.commit()
        trip.description = "Second"
        uow.commit()

    with _uow(app) as uow:
        stored = uow.trips.get(trip_id)
    assert stored is not None
    assert stored.description == "Second"


def test_answers_and_webhooks_racing_settle_the_payment_once(app: Flask, api: Api) -> None:
    """Each answer holds its own copies of the rows, as each request would."""
    booking, payment = _pending_payment(app, api)
    booking_id, payment_id = booking.id, payment.id
    copies = [_committed(app, booking_id, payment_id) for _ in range(RACERS)]
    start = threading.Barrier(2 * RACERS)

    def answer(rows: tuple[Booking, Payment]) -> PaymentStatus:
        start.wait()
        now = datetime.now(UTC)
        return settle(*rows, SUCCEEDED, new_uow=lambda: _uow(app), now=now)[1].status

    def webhook() -> None:
        start.wait()
        _webhook_settles(app, payment_id, SUCCEEDED)

    with ThreadPoolExecutor(max_workers=2 * RACERS) as pool:
        answers = [pool.submit(answer, rows) for rows in copies]
        webhooks = [pool.submit(webhook) for _ in range(RACERS)]
        statuses = [future.result() for future in answers]
        for future in webhooks:
            future.result()

    assert statuses == [PaymentStatus.SUCCEEDED] * RACERS
    ledger, outbox = tables.ledger_entries.c, tables.outbox.c
    assert _count(app, tables.ledger_entries, ledger.reference_id == payment_id) == 2
    processed = (outbox.name == "payment.processed", outbox.aggregate_id == payment_id)
    assert _count(app, tables.outbox, *processed) == 1
    confirmed = (outbox.name == "booking.confirmed", outbox.aggregate_id == booking_id)
    assert _count(app, tables.outbox, *confirmed) == 1


def _committed(app: Flask, booking_id: uuid.UUID, payment_id: uuid.UUID) -> tuple[Booking, Payment]:
    with _uow(app) as uow:
        booking, payment = uow.bookings.get(booking_id), uow.payments.get(payment_id)
    assert booking is not None
    assert payment is not None
    return booking, payment
