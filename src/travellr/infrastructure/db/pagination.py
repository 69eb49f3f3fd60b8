"""Keyset pagination: the cursor carries the sort key of the last row, so every page costs
the same however deep it is."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.engine import Connection

from travellr.application.ports.queries import InvalidCursor, Page, PageRequest


def paginate(
    connection: Connection,
    query: Select[Any],
    order: Sequence[ColumnElement[Any]],
    page: PageRequest,
    *,
    descending: bool,
) -> Page:
    """Run `query` ordered by `order` (unique together), one page after the cursor."""
    if page.cursor is not None:
        after = _decode(page.cursor, order)
        row, key = (
            tuple_(*order),
            tuple_(*(literal(v, c.type) for v, c in zip(after, order, strict=True))),
        )
        query = query.where(row < key if descending else row > key)
    keys = [column.desc() if descending else column.asc() for column in order]
    rows = list(connection.execute(query.order_by(*keys).limit(page.limit + 1)).mappings())
    if len(rows) <= page.limit:
        return Page(rows, None)
    last = rows[page.limit - 1]
    return Page(rows[: page.limit], _encode([last[str(column.key)] for column in order]))


def _encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, order: Sequence[ColumnElement[Any]]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(order):
            raise ValueError("wrong shape")
        if not all(isinstance(value, str) for value in raw):
            raise ValueError("a cursor holds strings only")
        return [_parse(value, column) for value, column in zip(raw, order, strict=True)]
    # OverflowError: a time that does not exist in UTC (0001-01-01T00:00:00+01:00).
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor(
            "the cursor is not one this list gave out", errors={"cursor": ["Invalid cursor."]}
        ) from exc


def _parse(value: str, column: ColumnElement[Any]) -> Any:
    python_type = column.type.python_type
    if python_type is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time carries its offset")
        return moment.astimezone(UTC)
    if python_type is UUID:
        return UUID(value)
    return python_type(value)
