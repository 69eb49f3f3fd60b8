"""`Location` on every 201: the URL of the resource the request created."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, url_for

F = TypeVar("F", bound=Callable[..., Any])


def located(endpoint: str, **path_from_body: str) -> Callable[[F], F]:
    """Wrap a route that answers 201 (outside @idempotent, so that a replay carries it too):
    `Location` is `endpoint`'s URL, each of its path arguments read from the created
    resource's body (`user_id="user.id"` reads `body["user"]["id"]`). The OpenAPI document
    names the header, as required, on every 201 (api/http/openapi.py)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 201:
                created = response.get_json()
                values = {name: _read(created, path) for name, path in path_from_body.items()}
                response.headers["Location"] = url_for(endpoint, **values)
            return response

        return cast(F, wrapper)

    return decorate


def _read(body: Any, path: str) -> Any:
    for name in path.split("."):
        body = body[name]
    return body
