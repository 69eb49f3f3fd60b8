"""The audit log, for admins, with the API's filters."""

from __future__ import annotations

from flask import render_template, request

from travellr.api.audit import AuditLogArgs, audit_filters
from travellr.api.http.authentication import services
from travellr.api.http.pagination import page_request
from travellr.application import audit_log
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query, next_page_args


@blp.get("/audit-log")
@session.staff_only
def audit() -> str:
    """GET /api/v1/admin/audit-log as a page: newest first, cursor pages."""
    args = load_query(AuditLogArgs(), request.args)
    page = audit_log.list_audit_log(
        audit_filters(args),
        page_request(args),
        actor=session.current_actor(),
        queries=services().queries,
    )
    return render_template(
        "console/audit_log.html",
        page=page,
        filters=request.args,
        next_args=next_page_args(page.next_cursor),
    )
