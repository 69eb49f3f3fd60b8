"""How routes read their arguments: webargs' parser, with the contract's rules for text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

import flask
import flask_smorest
from marshmallow import Schema, ValidationError
from webargs.flaskparser import FlaskParser, abort

from travellr.api.http.authentication import authenticate

# PostgreSQL cannot store NUL, and a lone surrogate (JSON allows "\ud800") cannot be encoded.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_TEXT = "Must not contain NUL characters or lone UTF-16 surrogates."


class ArgumentsParser(FlaskParser):
    """JSON nested past the parser's depth is a 400; unstorable text anywhere is a 422; an
    unknown query parameter is a 422 like an unknown body field (a mistyped filter must not
    silently return everything)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.DEFAULT_UNKNOWN_BY_LOCATION = {
            **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
            "query": None,  # the schema's own: StrictSchema raises
            "querystring": None,
        }

    def load_json(self, req: flask.Request, schema: Schema) -> Any:
        try:
            return super().load_json(req, schema)
        except RecursionError as exc:
            abort(400, exc=exc, messages={"json": ["The JSON body is nested too deeply."]})

    def pre_load(
        self, location_data: Mapping[Any, Any], *, schema: Schema, req: flask.Request, location: str
    ) -> Mapping[Any, Any]:
        if isinstance(location_data, Mapping):
            unstorable = unstorable_fields(location_data)
            if unstorable:
                raise ValidationError(unstorable)
        return location_data


def unstorable_fields(data: Mapping[Any, Any]) -> dict[str, list[str]]:
    """The fields whose name or value holds text the database cannot store, with the error."""
    return {
        str(name): [UNSTORABLE_TEXT]
        for name, value in data.items()
        if _holds_unstorable_text(name) or _holds_unstorable_text(value)
    }


def _holds_unstorable_text(value: Any) -> bool:
    # A loop, not recursion: the body may be nested nearly as deep as the recursion limit.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                return True
        elif isinstance(item, Mapping):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class Blueprint(flask_smorest.Blueprint):  # type: ignore[misc]  # noqa: TID251
    """Every API blueprint: its @blp.arguments go through ArgumentsParser, and a route that
    reads no query string refuses one (each parameter an unknown field, as everywhere)."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def add_url_rule(
        self, rule: str, endpoint: str | None = None, view_func: Any = None, *a: Any, **kw: Any
    ) -> None:
        if view_func is not None and not _reads_query(view_func):
            view_func = _refusing_query(view_func)
        super().add_url_rule(rule, endpoint, view_func, *a, **kw)


def _reads_query(view: Callable[..., Any]) -> bool:
    parameters = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
    return any(isinstance(p, Mapping) and p.get("in") == "query" for p in parameters)


def _refusing_query(view: Callable[..., Any]) -> Callable[..., Any]:
    secured = "security" in getattr(view, "_apidoc", {}).get("manual_doc", {})

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if flask.request.args:
            if secured:  # as @auth_required promises: an anonymous caller gets 401 first
                authenticate()
            raise ValidationError({name: ["Unknown field."] for name in flask.request.args})
        return view(*args, **kwargs)

    return wrapper
