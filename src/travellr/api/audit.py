"""The audit log, for admins: who changed what, when, from where and why. Read only: entries
are written by the use cases, in the transaction of the change they record."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import auth_required, current_actor, services
from travellr.api.http.fields import StrictSchema, UtcDateTime
from travellr.api.http.pagination import ListArgs, TimeBound, list_of, page_body, page_request
from travellr.application import audit_log
from travellr.application.ports.queries import AuditFilters

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/admin/audit-log",
    description="Admins only (any other role gets 403). Entries cannot be changed or deleted.",
)


# An old or new value: text (times, money and ids too), a number, a boolean, or null.
CHANGE_VALUE = [{"type": "string", "nullable": True}, {"type": "number"}, {"type": "boolean"}]


class AuditLogArgs(ListArgs):
    actor_id = fields.UUID(metadata={"description": "the acting user (the system has none)"})
    action = fields.String(
        validate=validate.Length(1, 50), metadata={"description": "e.g. `booking.cancelled`"}
    )
    subject_type = fields.String(
        validate=validate.Length(1, 30), metadata={"description": "e.g. `booking`, `user`"}
    )
    subject_id = fields.String(validate=validate.Length(1, 255))
    from_ = TimeBound(data_key="from", metadata={"description": "entries at or after"})
    to = TimeBound(upper=True, metadata={"description": "entries up to (a date: its whole day)"})


class AuditEntryOut(StrictSchema):
    id = fields.UUID()
    at = UtcDateTime()
    actor_id = fields.UUID(allow_none=True, metadata={"description": "null for the system"})
    actor_role = fields.String(metadata={"description": "traveler, vendor, admin or system"})
    action = fields.String()
    subject_type = fields.String()
    subject_id = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    ip = fields.String(allow_none=True, metadata={"description": "the client's address"})
    changes = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Raw(metadata={"oneOf": CHANGE_VALUE})),
        metadata={"description": '`{"field": [old, new]}`; secrets show as "[redacted]"'},
    )
    reason = fields.String(allow_none=True)


@blp.route("", methods=["GET"])
@blp.doc(operationId="listAuditLog")
@auth_required
@blp.arguments(AuditLogArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(AuditEntryOut))
@blp.alt_response(403, description="not an admin")
def list_audit_log(args: dict[str, Any]) -> dict[str, Any]:
    """Audit entries, newest first, filtered by actor, action, subject and time."""
    page = audit_log.list_audit_log(
        audit_filters(args), page_request(args), actor=current_actor(), queries=services().queries
    )
    return page_body(page)


def audit_filters(args: dict[str, Any]) -> AuditFilters:
    return AuditFilters(
        actor_id=args.get("actor_id"),
        action=args.get("action"),
        subject_type=args.get("subject_type"),
        subject_id=args.get("subject_id"),
        since=args.get("from_"),
        before=args.get("to"),
    )
