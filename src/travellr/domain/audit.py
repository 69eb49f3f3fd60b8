"""The audit log: who changed what, when, from where and why.

pretix's `log_action` is the model: every use case that changes state records its entry in
the same unit of work as the change, so the two are committed, or rolled back, together.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any
from uuid import UUID

from travellr.domain.actors import Actor
from travellr.domain.money import CENT

SYSTEM_ROLE = "system"
REDACTED = "[redacted]"
# A field whose name says it holds a secret is listed as changed, never with its values.
_SECRET_FIELD = re.compile(r"password|hash|token|secret|api_?key|credential", re.IGNORECASE)

Changes = dict[str, list[Any]]  # field -> [old, new], in JSON terms


class AuditAction(StrEnum):
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    TRIP_CREATED = "trip.created"
    TRIP_UPDATED = "trip.updated"
    TRIP_ARCHIVED = "trip.archived"
    BOOKING_UPDATED = "booking.updated"
    BOOKING_CANCELLED = "booking.cancelled"
    BOOKING_EXPIRED = "booking.expired"
    BOOKING_COMPLETED = "booking.completed"
    PAYMENT_REFUNDED = "payment.refunded"
    PAYOUT_CREATED = "payout.created"
    PAYOUT_PAID = "payout.paid"
    PAYOUT_FAILED = "payout.failed"
    WEBHOOK_ENDPOINT_CREATED = "webhook_endpoint.created"
    WEBHOOK_ENDPOINT_UPDATED = "webhook_endpoint.updated"
    WEBHOOK_ENDPOINT_DELETED = "webhook_endpoint.deleted"
    WEBHOOK_ENDPOINT_SECRET_ROTATED = "webhook_endpoint.secret_rotated"  # noqa: S105 - a name
    WEBHOOK_ENDPOINT_PINGED = "webhook_endpoint.pinged"
    WEBHOOK_DELIVERY_RETRIED = "webhook_delivery.retried"
    DATABASE_RESTORED = "database.restored"


@dataclass(frozen=True)
class AuditEntry:
    action: str
    subject_type: str
    subject_id: str | None
    at: datetime
    actor_id: UUID | None
    actor_role: str
    request_id: str | None = None
    ip: str | None = None
    changes: Changes = field(default_factory=dict)
    reason: str | None = None
    id: UUID = field(default_factory=uuid.uuid4)

    @classmethod
    def of(
        cls,
        actor: Actor,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        now: datetime,
        changes: Mapping[str, list[Any]] | None = None,
        reason: str | None = None,
    ) -> AuditEntry:
        """The entry for `actor` doing `action` to a subject; secret values never kept."""
        system = actor.is_system
        return cls(
            action=str(action),
            subject_type=subject_type,
            subject_id=None if subject_id is None else str(subject_id),
            at=now,
            actor_id=None if system else actor.user_id,
            actor_role=SYSTEM_ROLE if system else str(actor.role),
            request_id=actor.request_id,
            ip=actor.ip,
            changes={
                name: _redacted(name, [plain(value) for value in pair])
                for name, pair in (changes or {}).items()
            },
            reason=reason,
        )


def fields_of(item: object, names: Iterable[str]) -> dict[str, Any]:
    """A snapshot of some attributes, to `diff` against after a change."""
    return {name: getattr(item, name) for name in names}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> Changes:
    """The fields whose value changed, as [old, new]."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if plain(before.get(name)) != plain(value)
    }


def created(values: Mapping[str, Any]) -> Changes:
    """A new subject's fields, each as [None, value]."""
    return {name: [None, value] for name, value in values.items() if value is not None}


def removed(values: Mapping[str, Any]) -> Changes:
    """A deleted subject's fields, each as [value, None]."""
    return {name: [value, None] for name, value in values.items() if value is not None}


def plain(value: Any) -> Any:
    """A value as JSON holds it: times in UTC ISO 8601, money and ids as strings."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))  # every amount here is money
    if isinstance(value, UUID):
        return str(value)
    return value


def _redacted(name: str, pair: list[Any]) -> list[Any]:
    return [REDACTED, REDACTED] if _SECRET_FIELD.search(name) else pair
