"""Marshmallow fields for the contract's conventions: money, UTC time, strict integers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from travellr.application.resources import Resource
from travellr.domain.money import CENT

MAX_AMOUNT = Decimal("1000000.00")
OUT_OF_RANGE = "Must be between years 1 and 9999 in UTC."
CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Must be an ISO 4217 code such as USD.")


def one_of(values: type[StrEnum]) -> validate.OneOf:
    """An output field's allowed values, so that the OpenAPI document lists them as an enum."""
    return validate.OneOf([member.value for member in values])


class StrictSchema(Schema):
    """Unknown fields are an error (marshmallow's default, stated here on purpose)."""

    class Meta:
        ordered = True


class RenderedSchema(StrictSchema):
    """A resource dumped by the application's rendering of it, the one webhook payloads use too.

    The fields declared on the subclass document the resource in OpenAPI; they must name the
    rendering's fields in its order (a unit test checks every subclass).
    """

    resource: ClassVar[Resource]

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return [self.resource.render(item) for item in obj]
        return self.resource.render(obj)


class MoneyAmount(fields.Field[Decimal]):
    """A JSON number or decimal string in, with at most two places; "150.00" out."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allow_zero = allow_zero

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else str(Decimal(value).quantize(CENT))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Must be a number or a decimal string.")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValidationError("Must be a number or a decimal string.") from exc
        if not amount.is_finite():
            raise ValidationError("Must be a number or a decimal string.")
        # The range first: quantizing a huge number (1e+109) overflows Decimal's precision.
        if amount > MAX_AMOUNT or amount < 0 or (amount == 0 and not self.allow_zero):
            raise ValidationError(f"Must be more than 0 and at most {MAX_AMOUNT}.")
        if amount != amount.quantize(CENT):
            raise ValidationError("Must have at most two decimal places.")
        return amount.quantize(CENT)


class UtcDateTime(fields.DateTime):
    """ISO 8601; an input without offset is UTC; output always ends in Z."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        text: str = value.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return text

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError as exc:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise ValidationError(OUT_OF_RANGE) from exc


def has_a_next_day(day: date) -> None:
    """A period runs to the midnight after its last day, which must exist."""
    if day == date.max:
        raise ValidationError(f"Must be before {date.max}.")


def refuse_fields(body: dict[str, Any], names: tuple[str, ...]) -> None:
    """Fields this caller may not set are unknown fields to them (422 naming each)."""
    sent = [name for name in names if name in body]
    if sent:
        raise ValidationError({name: ["Unknown field."] for name in sent})
