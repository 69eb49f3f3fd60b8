"""Per-request plumbing: request ids, the access log line, and the body rules of the contract."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from travellr.api.http.problems import problem

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
access_log = logging.getLogger("travellr.access")


def install(app: Flask, *, max_body_bytes: int) -> None:
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes

    @app.before_request
    def _start() -> Response | None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        return _check_body(max_body_bytes)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        elapsed_ms = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 2),
            },
        )
        return response


# The back office's pages post HTML forms (application/x-www-form-urlencoded), not JSON.
HTML_FORM_BLUEPRINTS = frozenset({"console"})


def _check_body(max_body_bytes: int) -> Response | None:
    if request.method not in _BODY_METHODS:
        return None
    length = request.content_length
    if length is None:
        # A streamed (chunked) body: Werkzeug would cut it at the limit without a word, so read
        # one byte more, cached for the parser, to tell a body at the limit from one over it.
        request.max_content_length = max_body_bytes + 1
        length = len(request.get_data(cache=True))
    if length > max_body_bytes:
        return problem(
            413,
            "Content Too Large",
            code="payload_too_large",
            detail=f"The body is over {max_body_bytes} bytes.",
        )
    has_body = bool(length) or request.headers.get("Transfer-Encoding") == "chunked"
    if has_body and not request.is_json and request.blueprint not in HTML_FORM_BLUEPRINTS:
        return problem(
            415,
            "Unsupported Media Type",
            code="unsupported_media_type",
            detail="Send the body as JSON with Content-Type: application/json.",
        )
    return None
