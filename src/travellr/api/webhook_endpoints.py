"""Outgoing webhooks: where vendors and admins receive events, and each delivery's record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from marshmallow import fields, validate

from travellr.api.http.arguments import Blueprint
from travellr.api.http.authentication import (
    auth_required,
    current_actor,
    new_uow,
    services,
    utcnow,
)
from travellr.api.http.fields import StrictSchema, UtcDateTime, one_of
from travellr.api.http.pagination import ListArgs, list_of
from travellr.application import webhooks
from travellr.application.ports.webhooks import Delivery, Endpoint
from travellr.domain.webhooks import EVENT_TYPES, MAX_URL_LENGTH, DeliveryStatus

blp = Blueprint(
    "webhook_endpoints",
    __name__,
    url_prefix="/api/v1/webhook-endpoints",
    description="Outgoing webhooks: endpoints, deliveries, retries, secrets",
)

EVENTS_DOC = "event types (" + ", ".join(EVENT_TYPES) + '), or ["*"] for every event'


class EndpointOut(StrictSchema):
    id = fields.UUID()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String(allow_none=True)
    enabled = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    disabled_at = UtcDateTime(allow_none=True)


class EndpointWithSecretOut(EndpointOut):
    secret = fields.String(metadata={"description": "whsec_ + base64; shown only in this response"})


class EndpointFieldsIn(StrictSchema):
    # Longer than MAX_URL_LENGTH is refused by the use case, naming `url` like any bad URL.
    url = fields.String(validate=validate.Length(1, MAX_URL_LENGTH + 1))
    events = fields.List(
        fields.String(validate=validate.Length(1, 100)),
        validate=validate.Length(1, len(EVENT_TYPES) + 1),
        metadata={"description": EVENTS_DOC},
    )
    description = fields.String(allow_none=True, validate=validate.Length(max=500))


class CreateEndpointIn(EndpointFieldsIn):
    url = fields.String(required=True, validate=validate.Length(1, MAX_URL_LENGTH + 1))
    events = fields.List(
        fields.String(validate=validate.Length(1, 100)),
        required=True,
        validate=validate.Length(1, len(EVENT_TYPES) + 1),
        metadata={"description": EVENTS_DOC},
    )


class UpdateEndpointIn(EndpointFieldsIn):
    enabled = fields.Boolean()


class DeliveryOut(StrictSchema):
    id = fields.UUID()
    event_id = fields.UUID(metadata={"description": "the webhook-id header of every attempt"})
    event_type = fields.String()
    status = fields.String(validate=one_of(DeliveryStatus))
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    delivered_at = UtcDateTime(allow_none=True)


class DeliveryListArgs(ListArgs):
    status = fields.Enum(DeliveryStatus, by_value=True)
    event_type = fields.String(validate=validate.OneOf(EVENT_TYPES))


def _page(items: list[Any], cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor}


@blp.route("", methods=["POST"])
@blp.doc(operationId="createWebhookEndpoint")
@auth_required
@blp.arguments(CreateEndpointIn())
@blp.response(201, EndpointWithSecretOut)
@blp.alt_response(403, description="travellers may not register endpoints")
def create_endpoint(body: dict[str, Any]) -> tuple[Endpoint, int, dict[str, str]]:
    """Register an endpoint; the answer holds its signing secret, shown this once."""
    adapters = services().webhooks
    endpoint = webhooks.create_endpoint(
        body,
        actor=current_actor(),
        uow=new_uow(),
        box=adapters.box,
        resolver=adapters.resolver,
        rules=adapters.rules,
        now=utcnow(),
    )
    return endpoint, 201, {"Location": f"/api/v1/webhook-endpoints/{endpoint.id}"}


@blp.route("", methods=["GET"])
@blp.doc(operationId="listWebhookEndpoints")
@auth_required
@blp.arguments(ListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(EndpointOut))
def list_endpoints(args: dict[str, Any]) -> dict[str, Any]:
    """Your endpoints, newest first; an admin sees everyone's."""
    return _page(
        *webhooks.list_endpoints(
            actor=current_actor(),
            store=services().webhooks.store,
            limit=args.get("limit", 20),
            cursor=args.get("cursor"),
        )
    )


@blp.route("/<uuid:endpoint_id>", methods=["GET"])
@blp.doc(operationId="getWebhookEndpoint")
@auth_required
@blp.response(200, EndpointOut)
def get_endpoint(endpoint_id: UUID) -> Endpoint:
    """One endpoint (its owner or an admin); never its secret."""
    return webhooks.get_endpoint(
        endpoint_id, actor=current_actor(), store=services().webhooks.store
    )


@blp.route("/<uuid:endpoint_id>", methods=["PUT"])
@blp.doc(operationId="updateWebhookEndpoint")
@auth_required
@blp.arguments(UpdateEndpointIn())
@blp.response(200, EndpointOut)
def update_endpoint(body: dict[str, Any], endpoint_id: UUID) -> Endpoint:
    """Change the URL, the events, the description, or turn the endpoint on or off."""
    adapters = services().webhooks
    return webhooks.update_endpoint(
        endpoint_id,
        body,
        actor=current_actor(),
        uow=new_uow(),
        resolver=adapters.resolver,
        rules=adapters.rules,
        now=utcnow(),
    )


@blp.route("/<uuid:endpoint_id>", methods=["DELETE"])
@blp.doc(operationId="deleteWebhookEndpoint")
@auth_required
@blp.response(204)
def delete_endpoint(endpoint_id: UUID) -> None:
    """Remove an endpoint and its deliveries."""
    webhooks.delete_endpoint(endpoint_id, actor=current_actor(), uow=new_uow(), now=utcnow())


@blp.route("/<uuid:endpoint_id>/rotate-secret", methods=["POST"])
@blp.doc(operationId="rotateWebhookSecret")
@auth_required
@blp.response(200, EndpointWithSecretOut)
def rotate_secret(endpoint_id: UUID) -> Endpoint:
    """Replace the signing secret; every attempt from now on, retries too, uses the new one."""
    return webhooks.rotate_secret(
        endpoint_id, actor=current_actor(), uow=new_uow(), box=services().webhooks.box, now=utcnow()
    )


@blp.route("/<uuid:endpoint_id>/test", methods=["POST"])
@blp.doc(operationId="pingWebhookEndpoint")
@auth_required
@blp.response(202, DeliveryOut)
def send_test(endpoint_id: UUID) -> Delivery:
    """Send a `ping` event to the endpoint; its delivery is in the answer."""
    delivery = webhooks.send_ping(endpoint_id, actor=current_actor(), uow=new_uow(), now=utcnow())
    services().webhooks.due_now()
    return delivery


@blp.route("/<uuid:endpoint_id>/deliveries", methods=["GET"])
@blp.doc(operationId="listWebhookDeliveries")
@auth_required
@blp.arguments(DeliveryListArgs(), location="query", as_kwargs=False)
@blp.response(200, list_of(DeliveryOut))
def list_deliveries(args: dict[str, Any], endpoint_id: UUID) -> dict[str, Any]:
    """The endpoint's deliveries, newest first, by status and event type."""
    return _page(
        *webhooks.list_deliveries(
            endpoint_id,
            actor=current_actor(),
            store=services().webhooks.store,
            status=args.get("status"),
            event_type=args.get("event_type"),
            limit=args.get("limit", 20),
            cursor=args.get("cursor"),
        )
    )


@blp.route("/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/retry", methods=["POST"])
@blp.doc(operationId="retryWebhookDelivery")
@auth_required
@blp.response(202)
def retry_delivery(endpoint_id: UUID, delivery_id: UUID) -> None:
    """Send a delivery again now (a failed one starts a fresh schedule)."""
    webhooks.retry_delivery(
        endpoint_id, delivery_id, actor=current_actor(), uow=new_uow(), now=utcnow()
    )
    services().webhooks.due_now()
