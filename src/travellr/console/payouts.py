"""Payouts per vendor: balance, payouts, a chart per month; admins preview, then run one."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from uuid import UUID

from flask import redirect, render_template, request, url_for
from marshmallow import fields
from werkzeug.wrappers import Response

from travellr.api.admin import UserListArgs, users_page
from travellr.api.http.authentication import new_uow, read_uow, services, utcnow
from travellr.api.http.pagination import page_request
from travellr.api.vendors import PayoutIn
from travellr.application import vendors
from travellr.application.payouts import pay_vendor, preview_payout
from travellr.application.ports.queries import Page
from travellr.application.users import get_user
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query
from travellr.domain.actors import Role

PAYOUTS_CHARTED = 100  # the newest payouts, grouped by the month they were made


class VendorArgs(UserListArgs):
    """The vendor shown, and the picker's search: GET /admin/users's `q` over vendors."""

    vendor_id = fields.UUID()


class PayoutRunArgs(PayoutIn):
    vendor_id = fields.UUID(required=True)


@blp.get("/payouts")
@session.staff_only
def payouts() -> str:
    """A vendor's own; an admin finds the vendor by email or name, a page of vendors at a
    time, and picks one (then GET /vendors/{id}/balance and /payouts)."""
    actor = session.current_actor()
    if actor.is_vendor:
        return _vendor_payouts(actor.user_id, picker=None)
    args = load_query(VendorArgs(), request.args)
    picker = users_page({**args, "role": Role.VENDOR}, actor)
    if args.get("vendor_id") is None:
        return render_template("console/payouts.html", vendor_id=None, picker=picker)
    return _vendor_payouts(args["vendor_id"], picker=picker)


def _vendor_payouts(vendor_id: UUID, *, picker: Page | None) -> str:
    actor = session.current_actor()
    wired = services()
    balance = vendors.vendor_balance(
        vendor_id, actor=actor, reports=wired.reports, commission=wired.commission
    )
    page = vendors.vendor_payouts(
        vendor_id,
        page_request({"limit": PAYOUTS_CHARTED}),
        actor=actor,
        reports=wired.reports,
        queries=wired.queries,
    )
    return render_template(
        "console/payouts.html",
        vendor_id=vendor_id,
        vendor=get_user(vendor_id, actor=actor, uow=read_uow()) if picker else None,
        picker=picker,
        balance=balance,
        payouts=page.items,
        chart=_per_month(page.items),
    )


@blp.get("/payouts/preview")
@session.staff_only
def payout_preview() -> str:
    """What running the payout would pay, computed by the payout use case and not committed."""
    args = load_query(PayoutRunArgs(), request.args)
    payout = preview_payout(
        args["vendor_id"],
        args["period_start"],
        args["period_end"],
        actor=session.current_actor(),
        uow=new_uow(),
        commission=services().commission,
        now=utcnow(),
    )
    return render_template("console/payout_preview.html", payout=payout)


@blp.post("/payouts/run")
@session.staff_only
def run_payout() -> Response:
    """POST /vendors/{id}/payout: the same use case."""
    args = load_query(PayoutRunArgs(), request.form)
    pay_vendor(
        args["vendor_id"],
        args["period_start"],
        args["period_end"],
        actor=session.current_actor(),
        new_uow=new_uow,
        gateway=services().payouts,
        commission=services().commission,
        now=utcnow(),
    )
    return redirect(url_for("console.payouts", vendor_id=args["vendor_id"]))


def _per_month(items: Any) -> dict[str, Any]:
    """What the page's script draws: the vendor's share paid per month (UTC), oldest first."""
    months: dict[str, Decimal] = defaultdict(Decimal)
    for payout in items:
        if payout["status"] == "paid":
            months[payout["created_at"].strftime("%Y-%m")] += payout["vendor_amount"]
    labels = sorted(months)
    return {
        "currency": "USD",
        "labels": labels,
        "datasets": [{"label": "Paid out", "data": [str(months[m]) for m in labels]}],
    }
