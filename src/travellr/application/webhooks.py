"""Outgoing webhooks: integrators' endpoints, the deliveries made from committed events, and
the sender that signs and posts them, retrying on the schedule until they succeed or fail.

A delivery is claimed (with a lease) before it is sent, so two senders never make the same
attempt; a sender that dies leaves its claim to run out, and the next one tries again with the
same `webhook-id` (the event id): receivers drop a repeat by it.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from standardwebhooks import Webhook

from travellr.application.ports.persistence import UnitOfWork
from travellr.application.ports.webhooks import (
    AddressResolver,
    AttemptOutcome,
    ClaimedDelivery,
    Delivery,
    Endpoint,
    PostResult,
    SecretBox,
    UrlRules,
    WebhookPoster,
    WebhookStore,
)
from travellr.domain.actors import Actor
from travellr.domain.audit import AuditAction, Changes, created, diff, fields_of, removed
from travellr.domain.errors import Forbidden, NotFound
from travellr.domain.webhooks import (
    DISABLE_AFTER,
    MAX_ENDPOINTS_PER_OWNER,
    PING,
    DeliveryStatus,
    RefusedUrl,
    TooManyEndpoints,
    check_addresses,
    check_event_types,
    next_attempt_delay,
    parse_url,
    public_event_type,
)

log = logging.getLogger("travellr.webhooks")
# A run's batches (each at most a send's 10 s timeout and its DNS lookup) end well within it.
CLAIM_LEASE = timedelta(seconds=60)
SENDERS = 8  # a batch's deliveries are sent at once: a dead endpoint does not hold up the rest
MAX_ERROR_CHARS = 500
MAX_STORED_RESPONSE_CHARS = 1000
AUDITED_FIELDS = ("url", "events", "description", "enabled")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _visible(endpoint: Endpoint | None, actor: Actor) -> Endpoint:
    if endpoint is None or not (actor.is_admin or endpoint.owner_id == actor.user_id):
        raise NotFound("no such webhook endpoint")
    return endpoint


def _may_subscribe(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_vendor):
        raise Forbidden("webhook endpoints are for vendors and admins")


def check_url(url: str, *, rules: UrlRules, resolver: AddressResolver) -> None:
    """Refuse a URL whose form is not allowed or whose host has an address not to be reached."""
    target = parse_url(url, allow_http=rules.allow_http)
    addresses = resolver.resolve(target.host, target.port)
    check_addresses(target.host, addresses, allow_private=rules.allow_private)


def create_endpoint(
    body: dict[str, Any],
    *,
    actor: Actor,
    uow: UnitOfWork,
    box: SecretBox,
    resolver: AddressResolver,
    rules: UrlRules,
    now: datetime,
) -> Endpoint:
    """Register an endpoint; its secret is in the answer, and never shown again."""
    _may_subscribe(actor)
    check_url(body["url"], rules=rules, resolver=resolver)
    events = check_event_types(body["events"])
    secret = new_secret()
    endpoint = Endpoint(
        id=uuid.uuid4(),
        owner_id=actor.user_id,
        url=body["url"],
        events=tuple(events),
        description=body.get("description"),
        enabled=True,
        created_at=now,
        updated_at=now,
        disabled_at=None,
    )
    with uow:
        if not uow.webhook_endpoints.add(endpoint, box.seal(secret), limit=MAX_ENDPOINTS_PER_OWNER):
            raise TooManyEndpoints(f"at most {MAX_ENDPOINTS_PER_OWNER} endpoints per account")
        values = {"owner_id": endpoint.owner_id, **_audited(endpoint)}
        _record(uow, actor, AuditAction.WEBHOOK_ENDPOINT_CREATED, endpoint, now, created(values))
        uow.commit()
    return replace(endpoint, secret=secret)


def get_endpoint(endpoint_id: UUID, *, actor: Actor, store: WebhookStore) -> Endpoint:
    """An endpoint its owner or an admin may see."""
    return _visible(store.endpoint(endpoint_id), actor)


def list_endpoints(
    *, actor: Actor, store: WebhookStore, limit: int, cursor: str | None
) -> tuple[list[Endpoint], str | None]:
    """The caller's endpoints; an admin's list has everyone's."""
    _may_subscribe(actor)
    owner = None if actor.is_admin else actor.user_id
    return store.endpoints_page(owner, limit=limit, cursor=cursor)


def update_endpoint(
    endpoint_id: UUID,
    changes: dict[str, Any],
    *,
    actor: Actor,
    uow: UnitOfWork,
    resolver: AddressResolver,
    rules: UrlRules,
    now: datetime,
) -> Endpoint:
    """Change the URL, events, description or whether it is enabled."""
    if "url" in changes:  # before the transaction: a DNS lookup may take seconds
        check_url(changes["url"], rules=rules, resolver=resolver)
    if "events" in changes:
        changes = {**changes, "events": tuple(check_event_types(changes["events"]))}
    with uow:
        endpoint = _visible(uow.webhook_endpoints.get_for_update(endpoint_id), actor)
        toggled = "enabled" in changes and changes["enabled"] != endpoint.enabled
        if toggled:
            changes = {**changes, "disabled_at": None if changes["enabled"] else now}
        updated = replace(endpoint, **changes, updated_at=now)
        uow.webhook_endpoints.save(updated, fresh_start=toggled and updated.enabled)
        changed = diff(_audited(endpoint), _audited(updated))
        if changed:
            _record(uow, actor, AuditAction.WEBHOOK_ENDPOINT_UPDATED, endpoint, now, changed)
        uow.commit()
    return updated


def delete_endpoint(endpoint_id: UUID, *, actor: Actor, uow: UnitOfWork, now: datetime) -> None:
    """Remove an endpoint and its deliveries."""
    with uow:
        endpoint = _visible(uow.webhook_endpoints.get_for_update(endpoint_id), actor)
        uow.webhook_endpoints.delete(endpoint_id)
        gone = removed({"owner_id": endpoint.owner_id, **_audited(endpoint)})
        _record(uow, actor, AuditAction.WEBHOOK_ENDPOINT_DELETED, endpoint, now, gone)
        uow.commit()


def rotate_secret(
    endpoint_id: UUID, *, actor: Actor, uow: UnitOfWork, box: SecretBox, now: datetime
) -> Endpoint:
    """A new secret signs every attempt from now on, retries included; the old one is gone.
    Its entry says only that it happened: no secret, sealed or not, goes into the log."""
    with uow:
        endpoint = _visible(uow.webhook_endpoints.get_for_update(endpoint_id), actor)
        secret = new_secret()
        updated = replace(endpoint, updated_at=now)
        uow.webhook_endpoints.save(updated, sealed_secret=box.seal(secret))
        _record(uow, actor, AuditAction.WEBHOOK_ENDPOINT_SECRET_ROTATED, endpoint, now, {})
        uow.commit()
    return replace(updated, secret=secret)


def send_ping(endpoint_id: UUID, *, actor: Actor, uow: UnitOfWork, now: datetime) -> Delivery:
    """Queue a `ping` to the endpoint; the sender delivers it like any event."""
    with uow:
        endpoint = _visible(uow.webhook_endpoints.get_for_update(endpoint_id), actor)
        event_id = uuid.uuid4()
        body = _body(event_id, PING, now, {"endpoint_id": str(endpoint.id)})
        delivery = uow.webhook_endpoints.add_delivery(endpoint.id, event_id, PING, body, now=now)
        made = created({"delivery_id": delivery.id})
        _record(uow, actor, AuditAction.WEBHOOK_ENDPOINT_PINGED, endpoint, now, made)
        uow.commit()
    return delivery


def list_deliveries(
    endpoint_id: UUID,
    *,
    actor: Actor,
    store: WebhookStore,
    status: DeliveryStatus | None,
    event_type: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Delivery], str | None]:
    """The endpoint's deliveries, newest first."""
    get_endpoint(endpoint_id, actor=actor, store=store)
    return store.deliveries_page(
        endpoint_id, status=status, event_type=event_type, limit=limit, cursor=cursor
    )


def retry_delivery(
    endpoint_id: UUID, delivery_id: UUID, *, actor: Actor, uow: UnitOfWork, now: datetime
) -> None:
    """Send a delivery again now, whatever its status (a failed one gets a fresh schedule)."""
    with uow:
        _visible(uow.webhook_endpoints.get_for_update(endpoint_id), actor)
        delivery = uow.webhook_endpoints.delivery_for_update(endpoint_id, delivery_id)
        if delivery is None:
            raise NotFound("no such delivery")
        due = uow.webhook_endpoints.make_due(delivery_id, now=now)
        uow.audit.record(
            actor,
            AuditAction.WEBHOOK_DELIVERY_RETRIED,
            "webhook_delivery",
            delivery_id,
            now=now,
            changes=diff(_retried(delivery), _retried(due)),
        )
        uow.commit()


def _audited(endpoint: Endpoint) -> dict[str, Any]:
    """What an entry shows of an endpoint: never its secret."""
    return {**fields_of(endpoint, AUDITED_FIELDS), "events": list(endpoint.events)}


def _retried(delivery: Delivery) -> dict[str, Any]:
    return fields_of(delivery, ("status", "next_attempt_at"))


def _record(
    uow: UnitOfWork,
    actor: Actor,
    action: AuditAction,
    endpoint: Endpoint,
    now: datetime,
    changes: Changes,
) -> None:
    uow.audit.record(actor, action, "webhook_endpoint", endpoint.id, now=now, changes=changes)


def fan_out(
    event_id: UUID,
    name: str,
    aggregate_id: UUID,
    occurred_at: datetime,
    *,
    store: WebhookStore,
    now: datetime,
) -> int:
    """Make the event's deliveries, one per subscribed endpoint allowed to see it."""
    event_type = public_event_type(name)
    if event_type is None:
        return 0
    resource = store.event_resource(event_type, aggregate_id)
    if resource is None:  # gone since (an archived hold): nothing left to show
        return 0
    body = _body(event_id, event_type, occurred_at, resource.data)
    return store.create_deliveries(event_id, event_type, body, resource.vendor_id, now=now)


def _body(event_id: UUID, event_type: str, created_at: datetime, data: dict[str, Any]) -> str:
    created = created_at.isoformat().replace("+00:00", "Z")
    return json.dumps(
        {"id": str(event_id), "type": event_type, "created_at": created, "data": data}
    )


def signature_headers(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: the same id on every attempt, a fresh time and signature."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def deliver_due(
    *,
    store: WebhookStore,
    box: SecretBox,
    resolver: AddressResolver,
    poster: WebhookPoster,
    rules: UrlRules,
    now: datetime,
    batches: int = 3,
) -> int:
    """Claim the due deliveries a batch at a time and make one attempt at each; returns how
    many. A batch is claimed just before it is sent, and a run is short, so every claim is
    still held when its attempt is recorded."""
    sent = 0
    for _ in range(batches):
        claimed = store.claim_due(now=now, until=now + CLAIM_LEASE, limit=SENDERS)
        if not claimed:
            break
        with ThreadPoolExecutor(max_workers=len(claimed)) as pool:
            list(pool.map(lambda c: _attempt(c, store, box, resolver, poster, rules, now), claimed))
        sent += len(claimed)
    return sent


def _attempt(
    claimed: ClaimedDelivery,
    store: WebhookStore,
    box: SecretBox,
    resolver: AddressResolver,
    poster: WebhookPoster,
    rules: UrlRules,
    now: datetime,
) -> None:
    try:
        target = parse_url(claimed.url, allow_http=rules.allow_http)
        address = check_addresses(
            target.host,
            resolver.resolve(target.host, target.port),
            allow_private=rules.allow_private,
        )
    except RefusedUrl as refused:
        result = PostResult(None, refused.detail)
    else:
        secret = box.open(claimed.sealed_secret)
        headers = signature_headers(secret, str(claimed.event_id), claimed.body, now)
        result = poster.post(target, address, claimed.body.encode(), headers)
    outcome = _outcome(claimed.attempts, result, now)
    if not store.record_attempt(claimed, outcome):
        return  # the claim ran out and another sender took the delivery over
    disabled = store.note_endpoint_result(
        claimed.endpoint_id,
        succeeded=result.succeeded,
        now=now,
        disable_if_failing_since=now - DISABLE_AFTER,
    )
    if disabled:
        log.warning("webhook endpoint disabled", extra={"endpoint_id": str(claimed.endpoint_id)})


def _outcome(attempts: int, result: PostResult, now: datetime) -> AttemptOutcome:
    error = None if result.error is None else result.error[:MAX_ERROR_CHARS]
    response = result.response[:MAX_STORED_RESPONSE_CHARS]
    if result.succeeded:
        return AttemptOutcome(
            DeliveryStatus.SUCCEEDED, result.status_code, None, response, None, now, now
        )
    if error is None:
        error = f"the endpoint answered {result.status_code}"
    delay = next_attempt_delay(attempts)
    status = DeliveryStatus.FAILED if delay is None else DeliveryStatus.PENDING
    next_at = None if delay is None else now + delay
    return AttemptOutcome(status, result.status_code, error, response, next_at, None, now)
