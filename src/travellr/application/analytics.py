"""The admin analytics of a period: money figures split as payouts split them, and counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from travellr.application.ports.reports import Period, Reports
from travellr.domain.errors import RuleViolated
from travellr.domain.money import SETTLEMENT_CURRENCY, CommissionRate, Money

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 365 + 1
EARLIEST_DEFAULT_TO = date.min + timedelta(days=DEFAULT_DAYS - 1)


def period_of(first: date | None, last: date | None, *, today: date) -> Period:
    """The UTC days from `first` to `last`, both inclusive; by default the 30 days to today."""
    last = last or today
    if first is None and last < EARLIEST_DEFAULT_TO:
        raise RuleViolated(
            "the default period would start before year 1",
            errors={"to": [f"Without from, must be on or after {EARLIEST_DEFAULT_TO}."]},
        )
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise RuleViolated("`to` is before `from`", errors={"to": ["Must not be before from."]})
    if (last - first).days + 1 > MAX_DAYS:
        raise RuleViolated(
            f"the period is longer than {MAX_DAYS} days",
            errors={"from": [f"The period may be at most {MAX_DAYS} days."]},
        )
    return Period(first, last)


def analytics(period: Period, *, reports: Reports, commission: CommissionRate) -> dict[str, Any]:
    """gross: payments by payment time; refunds: by refund time; net = gross - refunds, split
    as payouts split it; paid_out: payouts made in the period; counts by creation time."""
    figures = reports.period_figures(period)
    net = Money(figures.gross - figures.refunds, SETTLEMENT_CURRENCY)
    vendor_share, platform_fee = commission.split(net)
    by_status = figures.bookings_by_status
    return {
        "period": {"from_": period.first, "to": period.last},
        "currency": SETTLEMENT_CURRENCY,
        "users": {
            "total": figures.users_total,
            "new": figures.users_new,
            "by_role": figures.users_by_role,
        },
        "bookings": {"total": sum(by_status.values()), "by_status": by_status},
        "revenue": {
            "gross": figures.gross,
            "refunds": figures.refunds,
            "net": net.amount,
            "platform_fee": platform_fee.amount,
            "vendor_share": vendor_share.amount,
            "paid_out": figures.paid_out,
        },
        "daily": figures.daily,
        "top_vendors": figures.top_vendors,
    }
