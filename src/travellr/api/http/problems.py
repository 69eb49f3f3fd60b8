"""Every error as `application/problem+json` (RFC 9457), from one place."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Response, g
from flask_smorest import Api
from marshmallow import INCLUDE, Schema, fields
from werkzeug.exceptions import HTTPException

from travellr.api.http.fields import MoneyAmount
from travellr.application.auth import InvalidCredentials
from travellr.domain import errors

PROBLEM_JSON = "application/problem+json"
BEARER_CHALLENGE = 'Bearer realm="travellr"'
RETRY_AFTER_OUTAGE = 5  # seconds: a database restart or failover takes about that long
log = logging.getLogger("travellr.api")

_STATUS_BY_KIND: list[tuple[type[errors.DomainError], int]] = [
    (InvalidCredentials, 401),
    (errors.NotFound, 404),
    (errors.Forbidden, 403),
    (errors.Conflict, 409),
    (errors.RuleViolated, 422),
    (errors.PaymentDeclined, 402),
    (errors.PaymentGatewayError, 502),
]


class ProblemOut(Schema):
    class Meta:
        unknown = INCLUDE  # RFC 9457: a problem may carry members of its own

    type = fields.String(
        required=True, metadata={"example": "urn:travellr:problem:sold_out", "format": "uri"}
    )
    title = fields.String(required=True)
    status = fields.Integer(required=True, metadata={"example": 409})
    detail = fields.String(required=True)
    code = fields.String(
        required=True,
        metadata={"description": "stable and machine-readable; see the table of codes"},
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "on validation 422s: messages by field (or parameter) name"},
    )
    request_id = fields.String(metadata={"description": "on 500s: quote it to find the log line"})


class PaymentDeclinedProblemOut(ProblemOut):
    booking_id = fields.UUID(
        required=True,
        metadata={"description": "the booking, still pending with its seats held, to pay again"},
    )
    payment_id = fields.UUID(required=True, metadata={"description": "the payment, kept as failed"})


class PayoutProblemOut(ProblemOut):
    amount = MoneyAmount(
        allow_zero=True,
        metadata={"description": "on below_minimum: the vendor's share, under the minimum"},
    )
    minimum = MoneyAmount(metadata={"description": "on below_minimum: the payout minimum"})
    currency = fields.String(metadata={"description": "on below_minimum: of both amounts"})


def problem(
    status: int,
    title: str,
    *,
    code: str,
    detail: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if code != "http_error":
        body["type"] = f"urn:travellr:problem:{code}"
    body.update(detail=detail or title, code=code, **extra)
    response = Response(json.dumps(body, default=str), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api with problem+json errors and webargs' 422s flattened by field."""

    ERROR_SCHEMA = ProblemOut

    def handle_http_exception(self, error: HTTPException) -> Response:
        status = error.code or 500
        if status >= 500:
            return internal_error(error)
        data = getattr(error, "data", {}) or {}
        extra: dict[str, Any] = {}
        if "messages" in data:
            extra["errors"] = flatten_messages(data["messages"])
        detail = data.get("message") or error.description
        if status == 422 and "errors" in extra:
            detail = "The request has invalid fields: " + ", ".join(sorted(extra["errors"]))
        code = {
            400: "bad_request",
            404: "not_found",
            405: "method_not_allowed",
            413: "payload_too_large",
            415: "unsupported_media_type",
            422: "validation_failed",
        }.get(status, "http_error")
        if status == 400 and "errors" in extra:
            detail = "; ".join(
                message for messages in extra.pop("errors").values() for message in messages
            )
        headers = dict(data.get("headers") or {})
        if status == 405 and error.get_headers():
            headers.update({k: v for k, v in error.get_headers() if k == "Allow"})
        return problem(status, error.name, code=code, detail=detail, headers=headers, **extra)


def status_of(kind: type[errors.DomainError]) -> int | None:
    """The HTTP status of a kind of domain error; None for a kind no status is known for."""
    return next((status for known, status in _STATUS_BY_KIND if issubclass(kind, known)), None)


def domain_error(error: errors.DomainError) -> Response:
    status = status_of(type(error))
    if status is None:  # a DomainError outside the known kinds is a bug, not the caller's fault
        return internal_error(error)
    extra: dict[str, Any] = dict(error.extra)
    if "field" in extra:  # the contract names a rule's field in the flat `errors`
        extra.setdefault("errors", {str(extra.pop("field")): [error.detail or error.title]})
    headers = {"WWW-Authenticate": BEARER_CHALLENGE} if status == 401 else {}
    retry_after = getattr(error, "retry_after", None)  # the same request may succeed then
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return problem(
        status, error.title, code=error.code, detail=error.detail, headers=headers, **extra
    )


def internal_error(error: BaseException) -> Response:
    # Flask wraps an unhandled exception in InternalServerError; log the real cause.
    cause = getattr(error, "original_exception", None) or error
    log.error("unhandled error", exc_info=cause)
    return problem(
        500,
        "Internal Server Error",
        code="internal_error",
        detail="Something went wrong on our side; quote the request_id if you report it.",
        request_id=g.get("request_id", ""),
    )


def service_unavailable(service: str, reason: str) -> Response:
    """A backing service does not answer: one log line (no traceback: the cause is not here),
    and a 503 the client may retry, with the same Idempotency-Key too."""
    log.warning("service unavailable", extra={"service": service, "reason": reason})
    return problem(
        503,
        "Service Unavailable",
        code="service_unavailable",
        detail=f"A service this request needs does not answer; retry in {RETRY_AFTER_OUTAGE} s.",
        headers={"Retry-After": str(RETRY_AFTER_OUTAGE)},
        request_id=g.get("request_id", ""),
    )


def flatten_messages(messages: Mapping[str, Any]) -> dict[str, list[str]]:
    """webargs nests errors by location (`{"json": {"seats": [...]}}`); clients get them flat."""
    flat: dict[str, list[str]] = {}
    for value in messages.values():
        if isinstance(value, Mapping):
            for field, problems in value.items():
                flat.setdefault(str(field), []).extend(_strings(problems))
        else:
            flat.setdefault("_schema", []).extend(_strings(value))
    return flat


def _strings(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [f"{key}: {message}" for key, inner in value.items() for message in _strings(inner)]
    if isinstance(value, list | tuple):
        return [message for item in value for message in _strings(item)]
    return [str(value)]
