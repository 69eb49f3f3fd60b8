"""Audit entries for status changes, shared by the use cases, and the operator's restore.

Any use case records its own entries through `uow.audit.record(...)`, in its transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from travellr.application.ports.persistence import UnitOfWork
from travellr.domain.actors import SYSTEM, Actor
from travellr.domain.audit import AuditAction


class _WithStatus(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def status(self) -> str: ...


def record_transition(
    uow: UnitOfWork,
    actor: Actor,
    action: AuditAction,
    item: _WithStatus,
    was: str,
    *,
    now: datetime,
    reason: str | None = None,
    **changes: list[Any],
) -> None:
    """`item` moved from status `was` to its status now; its subject type is the action's."""
    subject_type = action.value.partition(".")[0]
    uow.audit.record(
        actor,
        action,
        subject_type,
        item.id,
        now=now,
        changes={"status": [was, item.status], **changes},
        reason=reason,
    )


def record_restore(source_name: str, *, uow: UnitOfWork, now: datetime) -> None:
    """Note in a restored database that it was restored: afterwards, as the restore replaced
    the audit log with the backup's."""
    with uow:
        uow.audit.record(
            SYSTEM,
            AuditAction.DATABASE_RESTORED,
            "database",
            None,
            now=now,
            reason=f"travellr db restore {source_name}",
        )
        uow.commit()
