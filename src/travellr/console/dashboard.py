"""The admin dashboard: GET /api/v1/admin/analytics's own body for a period, with a chart."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from travellr.api.admin import AnalyticsArgs, analytics_body
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query
from travellr.domain.actors import ensure_admin


@blp.get("/dashboard")
@session.staff_only
def dashboard() -> str:
    """The analytics of `from`..`to` (default: the last 30 days), from the API's cache entry,
    so the page and the endpoint show the same figures."""
    ensure_admin(session.current_actor())
    args = load_query(AnalyticsArgs(), request.args)
    figures = analytics_body(args.get("from_"), args.get("to"))
    return render_template("console/dashboard.html", figures=figures, chart=_chart(figures))


def _chart(figures: dict[str, Any]) -> dict[str, Any]:
    """What the page's script draws: gross and refunds per UTC day."""
    daily = figures["daily"]
    return {
        "currency": figures["currency"],
        "labels": [day["date"] for day in daily],
        "datasets": [
            {"label": "Gross", "data": [day["gross"] for day in daily]},
            {"label": "Refunds", "data": [day["refunds"] for day in daily]},
        ],
    }
