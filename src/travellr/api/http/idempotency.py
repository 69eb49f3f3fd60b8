"""The Idempotency-Key header on the contract's (I) POSTs: the first response is replayed."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException

from travellr.api.http.authentication import authenticate, services, utcnow
from travellr.api.http.problems import PROBLEM_JSON, problem
from travellr.application.ports.shared_state import StoredResponse

F = TypeVar("F", bound=Callable[..., Any])
_VALID_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
HEADER_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "1..255 printable characters; the first response is replayed for 24 h.",
    "schema": {"type": "string", "maxLength": 255},
}


def idempotent(view: F) -> F:
    """Wrap a route (outside its @blp.response) so a repeated key replays the first answer."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        if not _VALID_KEY.match(key):
            return problem(
                422,
                "Unprocessable Content",
                code="validation_failed",
                detail="Idempotency-Key must be 1 to 255 printable characters.",
                errors={"Idempotency-Key": ["Must be 1 to 255 printable characters."]},
            )
        actor = authenticate()
        store = services().idempotency
        stored = store.claim(actor.user_id, key, _fingerprint(), now=utcnow())
        if stored is not None:
            return _replay(stored)
        response, retryable = _run(view, args, kwargs)
        if retryable or response.status_code >= 500:
            store.release(actor.user_id, key)
        else:
            store.store(
                actor.user_id,
                key,
                StoredResponse(response.status_code, response.get_data(as_text=True)),
            )
        return response

    apidoc = dict(getattr(view, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["parameters"] = [*manual.get("parameters", []), HEADER_DOC]
    apidoc["manual_doc"] = manual
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return cast(F, wrapper)


def _run(view: Callable[..., Any], args: Any, kwargs: Any) -> tuple[Response, bool]:
    """The response the request gets, whether the view returned or raised, and whether it is
    an answer that a retry may change (a race lost, a step still in flight), as Stripe keeps
    no result for a request that conflicted with another."""
    try:
        return current_app.make_response(view(*args, **kwargs)), False
    except (HTTPException, Exception) as error:  # noqa: BLE001 - every outcome is recorded
        response = current_app.make_response(current_app.handle_user_exception(error))
        return response, getattr(error, "retryable", False)


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    # The endpoint and its path arguments, not the raw path: /bookings and /bookings/ are one.
    target = json.dumps([request.endpoint, request.view_args], sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {target} {canonical}".encode()).hexdigest()


def _replay(stored: StoredResponse) -> Response:
    mimetype = PROBLEM_JSON if stored.status >= 400 else "application/json"
    response = Response(stored.body, status=stored.status, mimetype=mimetype)
    response.headers["Idempotent-Replayed"] = "true"
    return response
