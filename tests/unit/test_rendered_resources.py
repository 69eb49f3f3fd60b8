"""The API's response schemas and the webhooks' payloads render a resource the same way: the
schemas dump through the application's rendering, and document exactly its fields."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from travellr.api.bookings import BookingOut
from travellr.api.http.fields import RenderedSchema
from travellr.api.payments import PaymentOut
from travellr.api.trips import TripOut
from travellr.api.vendors import PayoutOut
from travellr.application.resources import PAYOUT


@pytest.mark.parametrize("schema", [BookingOut, PaymentOut, TripOut, PayoutOut])
def test_a_response_schema_documents_the_fields_its_rendering_writes(
    schema: type[RenderedSchema],
) -> None:
    assert list(schema().fields) == [name for name, _ in schema.resource.fields]


def test_a_rendering_writes_money_times_and_days_as_the_contract_says() -> None:
    row = {
        "id": UUID(int=1),
        "vendor_id": UUID(int=2),
        "period_start": date(2026, 11, 1),
        "period_end": date(2026, 11, 30),
        "gross_amount": Decimal("100"),
        "refunded_amount": Decimal("0.5"),
        "adjustment_amount": Decimal("0.00"),
        "vendor_amount": Decimal("79.60"),
        "platform_fee": Decimal("19.90"),
        "booking_count": 3,
        "currency": "USD",
        "status": "paid",
        "provider_ref": None,
        "created_at": datetime(2026, 12, 1, 6, 0, tzinfo=UTC),
    }

    rendered = PAYOUT.render(row)

    assert rendered["gross_amount"] == "100.00"
    assert rendered["refunded_amount"] == "0.50"
    assert rendered["period_start"] == "2026-11-01"
    assert rendered["created_at"] == "2026-12-01T06:00:00Z"
    assert rendered["provider_ref"] is None
    assert PayoutOut().dump(row) == rendered
    assert PayoutOut(many=True).dump([row]) == [rendered]
