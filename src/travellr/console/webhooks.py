"""Outgoing webhooks: a vendor's own endpoints (an admin's, everyone's); create, edit, delete,
rotate the secret, ping; an endpoint's deliveries, retried by hand.

The same use cases as /api/v1/webhook-endpoints. A rule they refuse (a URL that cannot receive
webhooks, an unknown event, too many endpoints) is shown next to its field, the form kept.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import redirect, render_template, request, url_for
from marshmallow import Schema
from werkzeug.wrappers import Response

from travellr.api.http.authentication import new_uow, services, utcnow
from travellr.api.http.pagination import ListArgs
from travellr.api.webhook_endpoints import CreateEndpointIn, DeliveryListArgs, UpdateEndpointIn
from travellr.application import webhooks
from travellr.application.ports.webhooks import Endpoint
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_form, load_query, next_page_args
from travellr.domain.errors import RuleViolated
from travellr.domain.webhooks import EVENT_TYPES, EVERY_EVENT, DeliveryStatus

EVENT_CHOICES = (EVERY_EVENT, *EVENT_TYPES)
Errors = dict[str, list[str]]


@blp.get("/webhooks")
@session.staff_only
def webhook_endpoints() -> str:
    """GET /api/v1/webhook-endpoints as a page: newest first, cursor pages."""
    args = load_query(ListArgs(), request.args)
    endpoints, cursor = webhooks.list_endpoints(
        actor=session.current_actor(),
        store=services().webhooks.store,
        limit=args.get("limit", 20),
        cursor=args.get("cursor"),
    )
    return render_template(
        "console/webhooks.html", endpoints=endpoints, next_args=next_page_args(cursor)
    )


@blp.route("/webhooks/new", methods=["GET", "POST"])
@session.staff_only
def new_webhook_endpoint() -> str | tuple[str, int]:
    """POST /api/v1/webhook-endpoints; the answer is the only page that shows the secret."""
    if request.method == "GET":
        return _endpoint_form(None, {}, {})
    fields, errors = _form_fields(CreateEndpointIn())
    if errors:
        return _endpoint_form(None, request.form, errors), 422
    adapters = services().webhooks
    try:
        endpoint = webhooks.create_endpoint(
            fields,
            actor=session.current_actor(),
            uow=new_uow(),
            box=adapters.box,
            resolver=adapters.resolver,
            rules=adapters.rules,
            now=utcnow(),
        )
    except RuleViolated as refused:
        return _endpoint_form(None, request.form, _field_errors(refused)), 422
    return _secret_page(endpoint, created=True), 201


@blp.route("/webhooks/<uuid:endpoint_id>", methods=["GET", "POST"])
@session.staff_only
def webhook_endpoint(endpoint_id: UUID) -> Response | str | tuple[str, int]:
    """GET, and PUT through its form: url, events, description, enabled."""
    endpoint = _visible(endpoint_id)
    if request.method == "GET":
        return _endpoint_form(endpoint, {}, {})
    fields, errors = _form_fields(UpdateEndpointIn())
    if errors:
        return _endpoint_form(endpoint, request.form, errors), 422
    if fields.get("url") == endpoint.url:
        del fields["url"]  # unchanged: not looked up again
    adapters = services().webhooks
    try:
        webhooks.update_endpoint(
            endpoint_id,
            fields,
            actor=session.current_actor(),
            uow=new_uow(),
            resolver=adapters.resolver,
            rules=adapters.rules,
            now=utcnow(),
        )
    except RuleViolated as refused:
        return _endpoint_form(endpoint, request.form, _field_errors(refused)), 422
    return redirect(url_for("console.webhook_endpoint", endpoint_id=endpoint_id, saved=1))


@blp.route("/webhooks/<uuid:endpoint_id>/delete", methods=["GET", "POST"])
@session.staff_only
def delete_webhook_endpoint(endpoint_id: UUID) -> Response | str:
    """A page asking to confirm; its form's POST is DELETE /api/v1/webhook-endpoints/{id}."""
    endpoint = _visible(endpoint_id)
    if request.method == "GET":
        return render_template("console/webhook_delete.html", endpoint=endpoint)
    webhooks.delete_endpoint(
        endpoint_id, actor=session.current_actor(), uow=new_uow(), now=utcnow()
    )
    return redirect(url_for("console.webhook_endpoints"))


@blp.post("/webhooks/<uuid:endpoint_id>/rotate-secret")
@session.staff_only
def rotate_webhook_secret(endpoint_id: UUID) -> str:
    endpoint = webhooks.rotate_secret(
        endpoint_id,
        actor=session.current_actor(),
        uow=new_uow(),
        box=services().webhooks.box,
        now=utcnow(),
    )
    return _secret_page(endpoint, created=False)


@blp.post("/webhooks/<uuid:endpoint_id>/ping")
@session.staff_only
def ping_webhook_endpoint(endpoint_id: UUID) -> Response:
    webhooks.send_ping(endpoint_id, actor=session.current_actor(), uow=new_uow(), now=utcnow())
    services().webhooks.due_now()
    return redirect(url_for("console.webhook_deliveries", endpoint_id=endpoint_id))


@blp.get("/webhooks/<uuid:endpoint_id>/deliveries")
@session.staff_only
def webhook_deliveries(endpoint_id: UUID) -> str:
    """GET /api/v1/webhook-endpoints/{id}/deliveries as a page, with its filters."""
    endpoint = _visible(endpoint_id)
    args = load_query(DeliveryListArgs(), request.args)
    deliveries, cursor = webhooks.list_deliveries(
        endpoint_id,
        actor=session.current_actor(),
        store=services().webhooks.store,
        status=args.get("status"),
        event_type=args.get("event_type"),
        limit=args.get("limit", 20),
        cursor=args.get("cursor"),
    )
    return render_template(
        "console/webhook_deliveries.html",
        endpoint=endpoint,
        deliveries=deliveries,
        statuses=list(DeliveryStatus),
        event_types=EVENT_TYPES,
        filters=request.args,
        next_args=next_page_args(cursor),
    )


@blp.post("/webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/retry")
@session.staff_only
def retry_webhook_delivery(endpoint_id: UUID, delivery_id: UUID) -> Response:
    webhooks.retry_delivery(
        endpoint_id, delivery_id, actor=session.current_actor(), uow=new_uow(), now=utcnow()
    )
    services().webhooks.due_now()
    return redirect(url_for("console.webhook_deliveries", endpoint_id=endpoint_id))


def _visible(endpoint_id: UUID) -> Endpoint:
    return webhooks.get_endpoint(
        endpoint_id, actor=session.current_actor(), store=services().webhooks.store
    )


def _form_fields(schema: Schema) -> tuple[dict[str, Any], Errors]:
    """The form's fields by the API's schema: the ticked events as a list, the `enabled`
    checkbox as a boolean (an unticked box is not sent), a blank description as none."""
    form: dict[str, Any] = {**request.form.to_dict(), "events": request.form.getlist("events")}
    if "enabled" in schema.fields:
        form["enabled"] = "true" if "enabled" in request.form else "false"
    fields, errors = load_form(schema, form)
    if fields.get("description") == "":
        fields["description"] = None
    return fields, errors


def _field_errors(refused: RuleViolated) -> Errors:
    """The use case's errors by field; one about no field is the form's."""
    errors = refused.extra.get("errors")
    return dict(errors) if isinstance(errors, dict) else {"_schema": [str(refused.detail)]}


def _endpoint_form(endpoint: Endpoint | None, form: Any, errors: Errors) -> str:
    saved_events = list(endpoint.events) if endpoint else []
    chosen = form.getlist("events") if form else saved_events
    return render_template(
        "console/webhook_form.html",
        endpoint=endpoint,
        form=form,
        errors=errors,
        event_choices=EVENT_CHOICES,
        chosen=chosen,
        enabled=("enabled" in form) if form else (endpoint is None or endpoint.enabled),
        saved=request.args.get("saved") == "1",
    )


def _secret_page(endpoint: Endpoint, *, created: bool) -> str:
    return render_template("console/webhook_secret.html", endpoint=endpoint, created=created)
