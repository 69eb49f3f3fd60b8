"""List query arguments and response envelopes shared by every list endpoint."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from travellr.api.http.fields import OUT_OF_RANGE, StrictSchema
from travellr.application.ports.queries import Page, PageRequest


class ListArgs(StrictSchema):
    limit = fields.Integer(strict=False, load_default=20, validate=validate.Range(1, 100))
    cursor = fields.String(validate=validate.Length(max=500))


class TimeBound(fields.Field[datetime]):
    """A date (`2026-12-01`, the whole day) or an ISO date-time; `upper` bounds are exclusive
    datetimes so that a date `to` takes in its whole day."""

    def __init__(self, *, upper: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.upper = upper

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if not isinstance(value, str):
            raise ValidationError("Must be a date or an ISO 8601 date-time.")
        try:
            return self._bound(value)
        except ValueError as exc:
            raise ValidationError("Must be a date or an ISO 8601 date-time.") from exc
        except OverflowError as exc:  # 9999-12-31 as an upper bound, or before year 1 in UTC
            raise ValidationError(OUT_OF_RANGE) from exc

    def _bound(self, value: str) -> datetime:
        if len(value) == 10:
            start = datetime.combine(date.fromisoformat(value), time(), UTC)
            return start + timedelta(days=1) if self.upper else start
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment + timedelta(microseconds=1) if self.upper else moment


def page_request(args: dict[str, Any]) -> PageRequest:
    return PageRequest(limit=args.get("limit", 20), cursor=args.get("cursor"))


def page_body(page: Page) -> dict[str, Any]:
    return {"items": page.items, "next_cursor": page.next_cursor}


@cache
def list_of(item: type[Schema]) -> type[Schema]:
    """The `{"items": [...], "next_cursor": ...}` envelope around `item`."""
    name = item.__name__.removesuffix("Out") + "ListOut"
    return Schema.from_dict(
        {"items": fields.List(fields.Nested(item)), "next_cursor": fields.String(allow_none=True)},
        name=name,
    )
