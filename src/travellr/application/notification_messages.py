"""The words of each notification, from Jinja2 templates: an email (text and HTML) and a short
text for SMS and push.

Each `notification_templates/<event>.<audience>.txt` holds three blocks: `subject`, `short` and
`body` (plain paragraphs). `_email.txt` and `_email.html` wrap the body into the two email parts,
the HTML one escaping everything that came from users (names, trip titles, reasons).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape

from travellr.application.ports.notifications import TripSummary
from travellr.domain.money import CENT

_env = Environment(
    loader=PackageLoader("travellr.application", "notification_templates"),
    autoescape=select_autoescape(("html",)),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    short: str


def money(amount: str | Decimal, currency: str) -> str:
    """`150.00 USD`."""
    return f"{Decimal(amount).quantize(CENT)} {currency}"


def positive(amount: str | Decimal | None) -> bool:
    return amount is not None and Decimal(amount) > 0


def count(number: int, noun: str) -> str:
    """`1 seat`, `3 seats`."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%a %d %b %Y, %H:%M UTC")


_env.globals.update(money=money, positive=positive, count=count)


def compose(
    event_name: str,
    audience: str,
    payload: Mapping[str, Any],
    *,
    name: str,
    trip: TripSummary | None,
) -> Message:
    """The message about `event_name` for its `audience` (`traveller` or `vendor`)."""
    template = _env.get_template(f"{event_name}.{audience}.txt")
    context = {
        **payload,
        "name": name,
        "trip_title": trip.title if trip else "your trip",
        "trip_date": when(trip.start_at) if trip else None,
    }
    subject = _one_line(_block(template, "subject", context))
    body = _block(template, "body", context)
    paragraphs = [_one_line(part) for part in re.split(r"\n\s*\n", body) if part.strip()]
    parts = {"name": name, "subject": subject, "body": body, "paragraphs": paragraphs}
    return Message(
        subject=subject,
        text=_env.get_template("_email.txt").render(parts),
        html=_env.get_template("_email.html").render(parts),
        short=_one_line(_block(template, "short", context)),
    )


def _block(template: Template, name: str, context: dict[str, Any]) -> str:
    return "".join(template.blocks[name](template.new_context(context))).strip()


def _one_line(text: str) -> str:
    return " ".join(text.split())
