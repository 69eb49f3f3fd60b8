"""Audit entries: who acted, changes in JSON terms, and secrets never kept."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from travellr.domain.actors import SYSTEM, Actor, Role
from travellr.domain.audit import REDACTED, AuditEntry, created, diff
from travellr.domain.trips import TripStatus

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def test_an_entry_names_the_user_their_role_and_their_request() -> None:
    actor = Actor(uuid.uuid4(), Role.VENDOR, request_id="req-1", ip="198.51.100.4")

    entry = AuditEntry.of(actor, "trip.archived", "trip", uuid.UUID(int=7), now=NOW, reason="why")

    assert (entry.actor_id, entry.actor_role) == (actor.user_id, "vendor")
    assert (entry.request_id, entry.ip, entry.reason) == ("req-1", "198.51.100.4", "why")
    assert entry.subject_id == "00000000-0000-0000-0000-000000000007"
    assert entry.changes == {}


def test_the_system_acts_without_a_user() -> None:
    entry = AuditEntry.of(SYSTEM, "booking.expired", "booking", uuid.uuid4(), now=NOW)

    assert (entry.actor_id, entry.actor_role) == (None, "system")


def test_changes_are_kept_as_json_holds_them() -> None:
    moment = datetime(2027, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    vendor = uuid.uuid4()
    changes = {
        "price": [Decimal("150"), Decimal("175.5")],
        "start_at": [None, moment],
        "period_end": [None, date(2027, 1, 31)],
        "status": [TripStatus.ACTIVE, TripStatus.ARCHIVED],
        "vendor_id": [None, vendor],
    }

    entry = AuditEntry.of(SYSTEM, "trip.updated", "trip", None, now=NOW, changes=changes)

    assert entry.changes == {
        "price": ["150.00", "175.50"],
        "start_at": [None, "2027-01-01T10:00:00Z"],
        "period_end": [None, "2027-01-31"],
        "status": ["active", "archived"],
        "vendor_id": [None, str(vendor)],
    }
    assert json.loads(json.dumps(entry.changes)) == entry.changes


@pytest.mark.parametrize(
    "field",
    ["password", "password_hash", "access_token", "webhook_secret", "api_key", "credentials"],
)
def test_a_secret_field_is_listed_with_its_values_redacted(field: str) -> None:
    entry = AuditEntry.of(
        SYSTEM, "user.updated", "user", None, now=NOW, changes={field: ["old-s3cret", "new-s3cret"]}
    )

    assert entry.changes == {field: [REDACTED, REDACTED]}


def test_diff_keeps_only_what_changed_and_created_leaves_out_the_empty() -> None:
    before = {"name": "Ann", "phone": None, "price": Decimal("10.00"), "role": Role.TRAVELER}
    after = {"name": "Anna", "phone": None, "price": Decimal("10"), "role": Role.VENDOR}

    assert diff(before, after) == {"name": ["Ann", "Anna"], "role": [Role.TRAVELER, Role.VENDOR]}
    assert created({"title": "Alps", "end_at": None}) == {"title": [None, "Alps"]}
