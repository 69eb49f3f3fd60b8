"""How a resource is rendered as JSON: the one rendering the API's responses and the webhooks'
payloads share, so an integrator gets exactly what `GET` on the resource returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from travellr.domain.money import CENT

JsonValue = str | int | bool | None


def _text(value: Any) -> JsonValue:
    return None if value is None else str(value)


def _integer(value: Any) -> JsonValue:
    return None if value is None else int(value)


def _money(value: Any) -> JsonValue:
    return None if value is None else str(Decimal(value).quantize(CENT))


def _instant(value: Any) -> JsonValue:
    if value is None:
        return None
    assert isinstance(value, datetime)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: Any) -> JsonValue:
    if value is None:
        return None
    assert isinstance(value, date)
    return value.isoformat()


ID = TEXT = _text
INTEGER = _integer
MONEY = _money
INSTANT = _instant
DAY = _day


@dataclass(frozen=True)
class Resource:
    """A resource's fields in order, each with how its value is written."""

    name: str
    fields: tuple[tuple[str, Callable[[Any], JsonValue]], ...]

    def render(self, item: Any) -> dict[str, JsonValue]:
        """A domain object or a query's row, as the API returns it."""
        read: Callable[[str], Any] = (
            item.__getitem__ if isinstance(item, Mapping) else lambda name: getattr(item, name)
        )
        return {name: write(read(name)) for name, write in self.fields}


BOOKING = Resource(
    "booking",
    (
        ("id", ID),
        ("user_id", ID),
        ("vendor_id", ID),
        ("trip_id", ID),
        ("trip_date", INSTANT),
        ("seats", INTEGER),
        ("total_price", MONEY),
        ("currency", TEXT),
        ("status", TEXT),
        ("notes", TEXT),
        ("refund_amount", MONEY),
        ("cancelled_at", INSTANT),
        ("created_at", INSTANT),
        ("updated_at", INSTANT),
    ),
)

PAYMENT = Resource(
    "payment",
    (
        ("id", ID),
        ("booking_id", ID),
        ("amount", MONEY),
        ("currency", TEXT),
        ("status", TEXT),
        ("amount_refunded", MONEY),
        ("provider", TEXT),
        ("provider_ref", TEXT),
        ("failure_message", TEXT),
        ("created_at", INSTANT),
        ("updated_at", INSTANT),
    ),
)

TRIP = Resource(
    "trip",
    (
        ("id", ID),
        ("vendor_id", ID),
        ("title", TEXT),
        ("description", TEXT),
        ("destination", TEXT),
        ("start_at", INSTANT),
        ("end_at", INSTANT),
        ("price", MONEY),
        ("currency", TEXT),
        ("capacity", INTEGER),
        ("seats_left", INTEGER),
        ("status", TEXT),
        ("created_at", INSTANT),
        ("updated_at", INSTANT),
    ),
)

PAYOUT = Resource(
    "payout",
    (
        ("id", ID),
        ("vendor_id", ID),
        ("period_start", DAY),
        ("period_end", DAY),
        ("gross_amount", MONEY),
        ("refunded_amount", MONEY),
        ("adjustment_amount", MONEY),
        ("vendor_amount", MONEY),
        ("platform_fee", MONEY),
        ("booking_count", INTEGER),
        ("currency", TEXT),
        ("status", TEXT),
        ("provider_ref", TEXT),
        ("created_at", INSTANT),
    ),
)
