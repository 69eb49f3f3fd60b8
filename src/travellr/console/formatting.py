"""How the console writes amounts and times (with their currency, in UTC with the zone shown)
and the values of an audit entry's changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import Flask

from travellr.domain.money import Money


def money(amount: Decimal | Money | str | None, currency: str = "USD") -> str:
    """`1,234.50 USD`; a negative amount keeps its sign."""
    if amount is None:
        return "—"
    if isinstance(amount, Money):
        return f"{amount.amount:,.2f} {amount.currency}"
    return f"{Decimal(amount):,.2f} {currency}"


def utc(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return _in_utc(value).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def audited(value: object) -> str:
    """One side of an audit entry's change: text as it is, nothing as `—`, anything else as
    the JSON the API returns it in (`true`, `["booking.created"]`), never Python's repr."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def for_input(value: datetime | None) -> str:
    """A UTC time as a datetime-local input's value."""
    return "" if value is None else _in_utc(value).strftime("%Y-%m-%dT%H:%M")


def _in_utc(value: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without their zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def install(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(utc, "utc")
    app.add_template_filter(for_input, "for_input")
    app.add_template_filter(audited, "audited")
