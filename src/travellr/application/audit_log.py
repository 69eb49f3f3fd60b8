"""Reading the audit log: admins only. Entries are written by the use cases (`audit.py`)."""

from __future__ import annotations

from travellr.application.ports.queries import AuditFilters, ListQueries, Page, PageRequest
from travellr.domain.actors import Actor, ensure_admin


def list_audit_log(
    filters: AuditFilters, page: PageRequest, *, actor: Actor, queries: ListQueries
) -> Page:
    """The audit log, newest first: admins only (403 for anyone else)."""
    ensure_admin(actor)
    return queries.audit_log(filters, page)
