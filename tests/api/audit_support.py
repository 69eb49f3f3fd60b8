"""Reading the audit log through the API, as an admin, in the audit tests."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api
from tests.api.factories import walk

AUDIT = "/api/v1/admin/audit-log"


def audit_entries(api: Api, admin: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    """Every entry matching the filters, newest first, read page by page."""
    items, _pages = walk(api.client, AUDIT, Api.auth(admin), **filters)
    return list(items)


def the_entry(api: Api, admin: dict[str, Any], action: str, subject_id: Any) -> dict[str, Any]:
    """The one entry of `action` about the subject."""
    (entry,) = audit_entries(api, admin, action=action, subject_id=str(subject_id))
    return entry


def by(account: dict[str, Any], role: str) -> dict[str, Any]:
    """The actor fields of an entry made by `account`."""
    return {"actor_id": account["user"]["id"], "actor_role": role}


def actor_of(entry: dict[str, Any]) -> dict[str, Any]:
    return {"actor_id": entry["actor_id"], "actor_role": entry["actor_role"]}
