"""The audit log's table: entries recorded in a unit of work, and the admin's list of them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, select

from travellr.application.ports.queries import AuditFilters, Page, PageRequest
from travellr.domain.actors import Actor
from travellr.domain.audit import AuditEntry
from travellr.infrastructure.db import tables
from travellr.infrastructure.db.pagination import paginate

_log = tables.audit_log


class SqlAuditLog:
    """Recorded entries are written by the unit of work's commit, with its other new rows."""

    def __init__(self) -> None:
        self.new_rows: list[dict[str, object]] = []

    def record(
        self,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        now: datetime,
        changes: Mapping[str, list[Any]] | None = None,
        reason: str | None = None,
    ) -> None:
        entry = AuditEntry.of(
            actor, action, subject_type, subject_id, now=now, changes=changes, reason=reason
        )
        self.new_rows.append(
            {
                "id": entry.id,
                "at": entry.at,
                "actor_id": entry.actor_id,
                "actor_role": entry.actor_role,
                "action": entry.action,
                "subject_type": entry.subject_type,
                "subject_id": entry.subject_id,
                "changes": json.dumps(entry.changes),
                "request_id": entry.request_id,
                "ip": entry.ip,
                "reason": entry.reason,
            }
        )


def audit_entries(engine: Engine, filters: AuditFilters, page: PageRequest) -> Page:
    """Entries matching every filter given, newest first."""
    c = _log.c
    query: Select[Any] = select(_log)
    for column, value in (
        (c.actor_id, filters.actor_id),
        (c.action, filters.action),
        (c.subject_type, filters.subject_type),
        (c.subject_id, filters.subject_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(c.at >= filters.since)
    if filters.before is not None:
        query = query.where(c.at < filters.before)
    with engine.connect() as connection:
        found = paginate(connection, query, [c.at, c.id], page, descending=True)
    items = [{**row, "changes": json.loads(row["changes"])} for row in found.items]
    return Page(items, found.next_cursor)
