"""What outgoing webhooks need from outside: a store, a secret box, a resolver and a poster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from travellr.domain.webhooks import DeliveryStatus, IPAddress, Target


@dataclass(frozen=True)
class Endpoint:
    id: UUID
    owner_id: UUID
    url: str
    events: tuple[str, ...]
    description: str | None
    enabled: bool
    created_at: datetime
    updated_at: datetime
    disabled_at: datetime | None
    secret: str | None = None  # only right after it was made: on create and rotate


@dataclass(frozen=True)
class Delivery:
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery this sender holds until `claimed_until`; `attempts` counts this one."""

    id: UUID
    endpoint_id: UUID
    event_id: UUID
    url: str
    sealed_secret: str
    body: str
    attempts: int


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no answer (refused, timed out, connection closed)
    error: str | None
    response: str = ""  # the start of the answer's body

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class AttemptOutcome:
    status: DeliveryStatus
    status_code: int | None
    error: str | None
    response: str
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    at: datetime


@dataclass(frozen=True)
class EventResource:
    """The resource an event is about, as the API renders it, and the vendor it belongs to."""

    data: dict[str, Any]
    vendor_id: UUID | None


class AddressResolver(Protocol):
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Every address the host has (an IP literal is its own); [] if it has none."""
        ...


class WebhookPoster(Protocol):
    def post(
        self, target: Target, address: IPAddress, body: bytes, headers: dict[str, str]
    ) -> PostResult:
        """POST to `address` (no second lookup) naming `target.host`; no redirects followed."""
        ...


class SecretBox(Protocol):
    def seal(self, secret: str) -> str: ...
    def open(self, sealed: str) -> str: ...


class WebhookEndpointRepository(Protocol):
    """The changes people make to endpoints, in a unit of work: each commits with its audit
    entry (the sender's own writes stay on `WebhookStore`)."""

    def add(self, endpoint: Endpoint, sealed_secret: str, *, limit: int) -> bool:
        """Insert it, unless its owner already has `limit` endpoints (then False)."""
        ...

    def get_for_update(self, endpoint_id: UUID) -> Endpoint | None: ...
    def save(
        self, endpoint: Endpoint, *, sealed_secret: str | None = None, fresh_start: bool = False
    ) -> None:
        """Write its fields (and a new sealed secret); `fresh_start` forgets its failures."""
        ...

    def delete(self, endpoint_id: UUID) -> None:
        """Remove it and its deliveries."""
        ...

    def add_delivery(
        self, endpoint_id: UUID, event_id: UUID, event_type: str, body: str, *, now: datetime
    ) -> Delivery: ...
    def delivery_for_update(self, endpoint_id: UUID, delivery_id: UUID) -> Delivery | None:
        """The endpoint's delivery, locked; None if it has no such delivery."""
        ...

    def make_due(self, delivery_id: UUID, *, now: datetime) -> Delivery:
        """Make the delivery pending and due now; returns it so."""
        ...


class WebhookStore(Protocol):
    """Endpoints and deliveries as the sender and the lists read them; each method is a
    transaction of its own."""

    def endpoint(self, endpoint_id: UUID) -> Endpoint | None: ...
    def endpoints_page(
        self, owner_id: UUID | None, *, limit: int, cursor: str | None
    ) -> tuple[list[Endpoint], str | None]:
        """An owner's endpoints (everyone's for None), newest first."""
        ...

    def deliveries_page(
        self,
        endpoint_id: UUID,
        *,
        status: DeliveryStatus | None,
        event_type: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Delivery], str | None]: ...
    def event_resource(self, event_type: str, aggregate_id: UUID) -> EventResource | None: ...
    def create_deliveries(
        self, event_id: UUID, event_type: str, body: str, vendor_id: UUID | None, *, now: datetime
    ) -> int:
        """In one transaction, a delivery for every enabled endpoint subscribed to the type
        whose owner may see it: admins, and the vendor the event is about. Returns how many
        are new (a second call for the same event adds none)."""
        ...

    def claim_due(self, *, now: datetime, until: datetime, limit: int) -> list[ClaimedDelivery]: ...
    def record_attempt(self, claimed: ClaimedDelivery, outcome: AttemptOutcome) -> bool:
        """Write the attempt's outcome if the claim is still this sender's (False otherwise)."""
        ...

    def note_endpoint_result(
        self,
        endpoint_id: UUID,
        *,
        succeeded: bool,
        now: datetime,
        disable_if_failing_since: datetime,
    ) -> bool:
        """Clear (success) or start (first failure) the endpoint's failing streak; disable it
        if the streak began at or before `disable_if_failing_since`. True if now disabled."""
        ...

    def next_due(self) -> datetime | None: ...


@dataclass(frozen=True)
class UrlRules:
    """Where endpoints may point: http:// outside production, private addresses in tests."""

    allow_http: bool
    allow_private: bool


@dataclass(frozen=True)
class WebhookAdapters:
    store: WebhookStore
    box: SecretBox
    resolver: AddressResolver
    poster: WebhookPoster
    rules: UrlRules
    # Called when deliveries fall due now; the workers' side of the process adds the sender.
    on_due: list[Callable[[], None]] = field(default_factory=list)

    def due_now(self) -> None:
        for callback in self.on_due:
            callback()
