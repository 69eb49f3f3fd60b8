"""Bookings: a traveller's seats on a trip, from the hold through payment to the trip itself."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import EllipsisType
from uuid import UUID

from travellr.domain.actors import Actor
from travellr.domain.errors import Forbidden, InvalidTransition, PriceMismatch, RuleViolated
from travellr.domain.events import (
    Aggregate,
    BookingCancelled,
    BookingChanged,
    BookingCompleted,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
)
from travellr.domain.money import Money
from travellr.domain.policy import CancellationPolicy
from travellr.domain.trips import Trip


class BookingStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    EXPIRED = "expired"


# Still to take place: these hold seats, and follow their trip when it moves.
OPEN_STATUSES = frozenset({BookingStatus.PENDING, BookingStatus.CONFIRMED})


_ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    BookingStatus.PENDING: frozenset(
        {BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.EXPIRED}
    ),
    BookingStatus.CONFIRMED: frozenset({BookingStatus.CANCELLED, BookingStatus.COMPLETED}),
}


class Booking(Aggregate):
    def __init__(
        self,
        *,
        id: UUID,
        user_id: UUID,
        trip: Trip,
        seats: int,
        total: Money,
        notes: str | None,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        self.id = id
        self.user_id = user_id
        self.vendor_id = trip.vendor_id
        self.trip_id = trip.id
        self.trip_date = trip.start_at
        self.seats = seats
        self.total_price = total.amount
        self.currency = total.currency
        self.status = BookingStatus.PENDING
        self.notes = notes
        self.refund_amount: Decimal | None = None
        self.cancelled_at: datetime | None = None
        self.cancelled_by: UUID | None = None
        self.cancel_reason: str | None = None
        self.expires_at = expires_at
        self.created_at = now
        self.updated_at = now

    @classmethod
    def place(
        cls,
        *,
        trip: Trip,
        user_id: UUID,
        seats: int,
        expected_total: Money | None,
        notes: str | None,
        now: datetime,
        hold: timedelta,
    ) -> Booking:
        """Hold seats on the trip at its current price; payment must follow before `hold` ends."""
        trip.ensure_bookable(now)
        _priced(trip, seats, expected_total)  # a wrong price holds nothing
        trip.hold_seats(seats, now)
        return cls.on_held_seats(
            trip=trip,
            user_id=user_id,
            seats=seats,
            expected_total=expected_total,
            notes=notes,
            now=now,
            hold=hold,
        )

    @classmethod
    def on_held_seats(
        cls,
        *,
        trip: Trip,
        user_id: UUID,
        seats: int,
        expected_total: Money | None,
        notes: str | None,
        now: datetime,
        hold: timedelta,
    ) -> Booking:
        """`place` without holding the seats on `trip`: the database holds them as it writes
        the booking, on a trip that may be a read-only copy (`UnitOfWork.commit_booking`)."""
        total = _priced(trip, seats, expected_total)
        booking = cls(
            id=uuid.uuid4(),
            user_id=user_id,
            trip=trip,
            seats=seats,
            total=total,
            notes=notes,
            expires_at=now + hold,
            now=now,
        )
        booking.record(
            BookingCreated(
                occurred_at=now,
                booking_id=booking.id,
                trip_id=trip.id,
                user_id=user_id,
                vendor_id=trip.vendor_id,
                seats=seats,
                total_price=total.amount,
                currency=total.currency,
            )
        )
        return booking

    @property
    def total_money(self) -> Money:
        return Money(self.total_price, self.currency)

    def _check_move(self, status: BookingStatus) -> None:
        if status not in _ALLOWED.get(BookingStatus(self.status), frozenset()):
            raise InvalidTransition(
                f"a {self.status} booking cannot become {status}",
                booking_id=str(self.id),
                from_status=self.status,
                to_status=status,
            )

    def _move_to(self, status: BookingStatus, now: datetime) -> None:
        self._check_move(status)
        self.status = status
        self.updated_at = now

    def _check_trip(self, trip: Trip) -> None:
        if trip.id != self.trip_id:
            raise ValueError(f"trip {trip.id} is not the trip of booking {self.id}")

    def follow(self, trip: Trip, now: datetime) -> None:
        """The trip has moved: an open booking's date stays its trip's start."""
        self._check_trip(trip)
        if self.status in OPEN_STATUSES and self.trip_date != trip.start_at:
            self.trip_date = trip.start_at
            self.updated_at = now

    def confirm(self, now: datetime) -> None:
        """The booking is paid."""
        self._move_to(BookingStatus.CONFIRMED, now)
        self.record(
            BookingConfirmed(
                occurred_at=now,
                booking_id=self.id,
                user_id=self.user_id,
                vendor_id=self.vendor_id,
                total_price=self.total_price,
                currency=self.currency,
            )
        )

    def is_visible_to(self, actor: Actor) -> bool:
        """Its traveller, its trip's vendor and admins see a booking; nobody else knows of it."""
        return actor.is_admin or actor.user_id in (self.user_id, self.vendor_id)

    def change(
        self,
        *,
        trip: Trip,
        seats: int | None = None,
        notes: str | EllipsisType | None = ...,
        now: datetime,
    ) -> None:
        """Change the seats or notes of an unpaid booking; the total follows the trip's price."""
        self._check_trip(trip)
        if self.status != BookingStatus.PENDING:
            raise InvalidTransition(
                f"only a pending booking can be changed, this one is {self.status}",
                booking_id=str(self.id),
                from_status=self.status,
            )
        if seats is not None and seats < 1:
            raise RuleViolated("seats must be at least 1", field="seats")
        if seats is not None and seats != self.seats:
            extra = seats - self.seats
            if extra > 0:
                trip.hold_seats(extra, now)
            else:
                trip.release_seats(-extra)
            self.seats = seats
            total = trip.price_for(seats)
            self.total_price, self.currency = total.amount, total.currency
            self.record(
                BookingChanged(
                    occurred_at=now,
                    booking_id=self.id,
                    user_id=self.user_id,
                    trip_id=trip.id,
                    seats=seats,
                    total_price=total.amount,
                    currency=total.currency,
                )
            )
        if notes is not ...:  # None clears the notes; leaving them out keeps them
            self.notes = notes
        self.updated_at = now

    def cancel(
        self,
        *,
        actor: Actor,
        trip: Trip,
        policy: CancellationPolicy,
        reason: str | None,
        now: datetime,
        refundable: Money | None = None,
    ) -> Money:
        """Cancel, release the seats and return the refund (zero if unpaid): what the policy
        allows, and at most `refundable`, what is left of the payment, when given."""
        self._check_trip(trip)
        if not (actor.is_admin or actor.user_id in (self.user_id, self.vendor_id)):
            raise Forbidden("only the traveller, the trip's vendor or an admin may cancel")
        was_paid = self.status == BookingStatus.CONFIRMED
        self._move_to(BookingStatus.CANCELLED, now)
        trip.release_seats(self.seats)
        refund = Money.zero(self.currency)
        if was_paid:
            # The tiers go by the canceller's part in this booking, not its role: a traveller
            # made a vendor since still cancels as the traveller.
            by_traveller = actor.user_id == self.user_id and not actor.is_admin
            fraction = policy.refund_fraction(
                by_traveller=by_traveller, trip_date=self.trip_date, now=now
            )
            refund = self.total_money * fraction
            if refundable is not None:
                refund = min(refund, refundable)
        self.refund_amount = refund.amount
        self.cancelled_at = now
        self.cancelled_by = actor.user_id
        self.cancel_reason = reason
        self.record(
            BookingCancelled(
                occurred_at=now,
                booking_id=self.id,
                user_id=self.user_id,
                vendor_id=self.vendor_id,
                refund_amount=refund.amount,
                currency=self.currency,
                cancelled_by=actor.user_id,
                reason=reason,
            )
        )
        return refund

    def note_refunds(self, refunded: Money, now: datetime) -> None:
        """`refund_amount` is every refund made on the booking (its payment's
        `amount_refunded`), whoever made them and whether or not it was cancelled."""
        if refunded.currency != self.currency:
            raise ValueError(f"refunds in {refunded.currency} on a {self.currency} booking")
        if refunded.amount != self.refund_amount:
            self.refund_amount = refunded.amount
            self.updated_at = now

    def complete(self, now: datetime) -> None:
        """The trip has taken place; set by the scheduler once the trip date has passed."""
        self._check_move(BookingStatus.COMPLETED)
        if now < self.trip_date:
            raise RuleViolated(
                "a booking cannot be completed before its trip date", booking_id=str(self.id)
            )
        self._move_to(BookingStatus.COMPLETED, now)
        self.record(
            BookingCompleted(
                occurred_at=now,
                booking_id=self.id,
                user_id=self.user_id,
                vendor_id=self.vendor_id,
            )
        )

    def expire(self, *, trip: Trip, now: datetime) -> None:
        """The hold ran out unpaid: give the seats back."""
        self._check_trip(trip)
        self._check_move(BookingStatus.EXPIRED)
        if now < self.expires_at:
            raise RuleViolated("the hold has not run out yet", booking_id=str(self.id))
        self._move_to(BookingStatus.EXPIRED, now)
        trip.release_seats(self.seats)
        self.record(
            BookingExpired(
                occurred_at=now,
                booking_id=self.id,
                user_id=self.user_id,
                trip_id=self.trip_id,
                seats=self.seats,
            )
        )


def _priced(trip: Trip, seats: int, expected_total: Money | None) -> Money:
    """The seats' total at the trip's price; PriceMismatch when the client expected another."""
    total = trip.price_for(seats)
    if expected_total is not None and expected_total != total:
        raise PriceMismatch(
            f"{seats} seats cost {total} {total.currency}, not {expected_total} "
            f"{expected_total.currency}",
            expected=str(expected_total),
            actual=str(total),
            currency=total.currency,
        )
    return total
