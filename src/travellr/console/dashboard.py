"""The admin dashboard: the analytics use case's figures for a period, with a chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request

from travellr.api.admin import AnalyticsArgs
from travellr.api.http.authentication import services, utcnow
from travellr.application import analytics as reports
from travellr.application.analytics import ensure_admin
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query


@blp.get("/dashboard")
@session.staff_only
def dashboard() -> str:
    """GET /api/v1/admin/analytics's figures for `from`..`to` (default: the last 30 days)."""
    ensure_admin(session.current_actor())
    args = load_query(AnalyticsArgs(), request.args)
    figures = dashboard_figures(args.get("from_"), args.get("to"))
    return render_template("console/dashboard.html", figures=figures, chart=_chart(figures))


def dashboard_figures(first: date | None, last: date | None) -> dict[str, Any]:
    wired = services()
    period = reports.period_of(first, last, today=utcnow().date())
    return reports.analytics(period, reports=wired.reports, commission=wired.commission)


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    """What the page's script draws: gross and refunds per UTC day."""
    daily = figures["daily"]
    return {
        "currency": figures["currency"],
        "labels": [day["date"].isoformat() for day in daily],
        "datasets": [
            {"label": "Gross", "data": [str(day["gross"]) for day in daily]},
            {"label": "Refunds", "data": [str(day["refunds"]) for day in daily]},
        ],
    }
