"""The OpenAPI document: every field typed, every error a problem, every problem code listed.

Client generators (openapi-python-client, openapi-typescript) take it as it is: operations have
camelCase ids (set on each route with `@blp.doc(operationId=...)`), money is a decimal string,
and every 4xx/5xx response carries the problem schema its body follows.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from flask import Flask
from marshmallow import fields
from marshmallow.validate import OneOf

from travellr.api.http.fields import MoneyAmount
from travellr.api.http.pagination import TimeBound
from travellr.api.http.problems import (
    PROBLEM_JSON,
    PaymentDeclinedProblemOut,
    PayoutProblemOut,
    ProblemApi,
    status_of,
)
from travellr.domain.errors import DomainError

MONEY_PATTERN = r"^-?\d+(\.\d{1,2})?$"
PROBLEM = "ProblemOut"
SERVER_ASSIGNED = ("id", "created_at", "updated_at")
LOCATION = {
    "description": "The new resource's URL.",
    "required": True,  # every 201 carries it (api/http/locations.py); generators may rely on it
    "schema": {"type": "string", "format": "uri-reference"},
}
WWW_AUTHENTICATE = {
    "description": 'The scheme to authenticate with: `Bearer realm="travellr"`.',
    "schema": {"type": "string"},
}
RETRY_AFTER = {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
_BODY_METHODS = {"post", "put", "patch"}

# The errors answered by the HTTP layer rather than by a domain error: code, status, meaning.
HTTP_PROBLEMS: tuple[tuple[str, str, str], ...] = (
    ("bad_request", "400", "The body is not JSON, or is nested too deeply."),
    ("invalid_signature", "400", "A Stripe webhook whose signature does not match its body."),
    ("unauthenticated", "401", "No valid bearer token: missing, malformed, expired or revoked."),
    ("not_found", "404", "No such resource, or one you may not see; also a malformed path id."),
    ("method_not_allowed", "405", "The path does not take this method (see `Allow`)."),
    ("payload_too_large", "413", "The body is over 1 MiB."),
    ("unsupported_media_type", "415", "A body that is not `application/json`."),
    ("validation_failed", "422", "Invalid or unknown fields or query parameters, in `errors`."),
    ("rate_limited", "429", "Too many attempts; retry after `Retry-After` seconds."),
    ("internal_error", "500", "An unexpected failure; quote `request_id` when reporting it."),
    ("webhooks_not_configured", "503", "Stripe webhooks are off: no signing secret is set."),
    (
        "service_unavailable",
        "503",
        "A service the request needs (the database) does not answer; retry after "
        "`Retry-After` seconds, with the same `Idempotency-Key` too (a 503 is never replayed).",
    ),
    ("http_error", "other", "Any other HTTP error; its `type` is `about:blank`."),
)
# The generic responses every operation of a kind may get, with what they mean there.
_IMPLIED = {
    "400": "bad_request: the body is not JSON",
    "401": "unauthenticated: no valid bearer access token",
    "404": "not_found: no such resource, or not one you may see",
    "413": "payload_too_large: the body is over 1 MiB",
    "415": "unsupported_media_type: the body is not JSON",
    "422": "validation_failed: invalid or unknown fields or parameters, named in `errors`",
    "500": "internal_error: an unexpected failure, with a `request_id`",
    "503": "service_unavailable: the database does not answer; retry after `Retry-After` s",
    "default": "Any other error, as a problem",
}

DESCRIPTION = """\
The Travellr marketplace API: travellers book and pay for trips that vendors sell, cancel with
a refund; vendors are paid their share; admins see everything.

- Authenticate with `Authorization: Bearer <access_token>` from `register` or `login`.
- Money is a decimal string with two places (`"150.00"`) next to its ISO 4217 `currency`;
  requests also accept a JSON number. Ids are UUIDs; instants are ISO 8601 in UTC.
- Lists take `limit` (1..100) and `cursor`, and answer `{"items": [...], "next_cursor"}`.
- POSTs documenting `Idempotency-Key` replay their first answer for the same key and body.
- Every error is `application/problem+json` (RFC 9457): `type` is
  `urn:travellr:problem:<code>`, and `code` is one of the table below. A declined card (402)
  also carries `booking_id` and `payment_id`; `below_minimum` carries `amount`, `minimum`
  and `currency`; validation errors carry `errors` by field.

## Problem codes

"""


class ContractPlugin(BasePlugin):
    """Response schemas state what is always there; errors all point at the problem schema."""

    def schema_helper(self, name: str, definition: dict[str, Any], **kwargs: Any) -> Any:
        properties = definition.get("properties")
        if not properties or not name.endswith("Out") or "Problem" in name:
            return None
        for assigned in SERVER_ASSIGNED:
            if assigned in properties:
                properties[assigned]["readOnly"] = True
        return {"required": list(properties)}  # a response always carries every field

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            operation.setdefault("security", [])  # stated: this one needs no token
            documented = operation.get("responses", {})
            responses = {str(status): doc for status, doc in documented.items()}
            for status in _implied_statuses(path or "", method, operation):
                responses.setdefault(status, _IMPLIED[status])
            operation["responses"] = {
                status: _documented(status, doc) for status, doc in responses.items()
            }


def _implied_statuses(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    statuses = ["500", "503", "default"]
    if operation.get("security"):
        statuses.append("401")
    if "{" in path:
        statuses.append("404")
    if method in _BODY_METHODS:
        statuses += ["413", "415"]
    if "requestBody" in operation:
        statuses.append("400")
    return statuses


def _documented(status: str, doc: dict[str, Any] | str) -> dict[str, Any]:
    if isinstance(doc, str):  # flask-smorest's named responses, or one of _IMPLIED
        doc = {"description": _IMPLIED.get(status, doc)}
    if status == "201":
        doc.setdefault("headers", {})["Location"] = LOCATION
    if status == "401":
        doc.setdefault("headers", {})["WWW-Authenticate"] = WWW_AUTHENTICATE
    if status in ("429", "503"):
        doc.setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    if status == "default" or status[0] in "45":
        content = doc.setdefault("content", {})
        media = content.pop("application/json", None) or content.get(PROBLEM_JSON) or {}
        media.setdefault("schema", PROBLEM)
        content[PROBLEM_JSON] = media
    return doc


def money_properties(_converter: Any, field: fields.Field[Any], **kwargs: Any) -> dict[str, Any]:
    """Money as the contract writes it: a decimal string, typed for client generators."""
    if isinstance(field, MoneyAmount):
        return {"type": "string", "pattern": MONEY_PATTERN, "example": "150.00"}
    if isinstance(field, TimeBound):
        return {"type": "string", "example": "2026-12-01"}
    return {}


def enum_type(_converter: Any, field: fields.Field[Any], ret: dict[str, Any], **kwargs: Any) -> Any:
    """marshmallow's Enum fields come out with every member and no type; a OneOf narrows them."""
    if "enum" not in ret:
        return {}
    allowed = {
        str(choice)
        for check in field.validators
        if isinstance(check, OneOf)
        for choice in check.choices
    }
    members = [value for value in ret["enum"] if not allowed or value in allowed]
    return {"type": ret.get("type", "string"), "enum": members}


def ecma_pattern(
    _converter: Any, field: fields.Field[Any], ret: dict[str, Any], **kwargs: Any
) -> Any:
    """Python's end of text `\\Z` is `$` in the ECMA 262 regexes of OpenAPI (without `m`)."""
    if "\\Z" in ret.get("pattern", ""):
        return {"pattern": ret["pattern"].replace("\\Z", "$")}
    return {}


def install(app: Flask) -> ProblemApi:
    """flask-smorest's Api over `app`, with the document's conventions plugged in."""
    app.config.update(openapi_config())
    api = ProblemApi(app, spec_kwargs={"extra_plugins": [ContractPlugin()]})
    converter = api.ma_plugin.converter
    converter.add_attribute_function(money_properties)
    converter.add_attribute_function(enum_type)
    converter.add_attribute_function(ecma_pattern)
    for schema in (PaymentDeclinedProblemOut, PayoutProblemOut):  # ProblemOut: flask-smorest
        api.spec.components.schema(schema.__name__, schema=schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    return api


def openapi_config() -> dict[str, object]:
    return {
        "API_TITLE": "Travellr API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/",
        "OPENAPI_JSON_PATH": "api/v1/openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": DESCRIPTION + problem_table(),
            },
            "servers": [{"url": "/", "description": "this server"}],
        },
    }


def problem_table() -> str:
    """Every problem `code` the API answers with, its status and meaning, as Markdown."""
    rows = {code: (status, meaning) for code, status, meaning in HTTP_PROBLEMS}
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        known = status_of(kind)
        if known is not None:
            rows.setdefault(kind.code, (str(known), kind.title + "."))
    lines = ["| code | status | meaning |", "| --- | --- | --- |"]
    for code, (status, meaning) in sorted(rows.items(), key=lambda row: (row[1][0], row[0])):
        lines.append(f"| `{code}` | {status} | {meaning} |")
    return "\n".join(lines) + "\n"
