"""Serving a GET from the cache: the body is cached as the JSON the schema dumps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, jsonify
from marshmallow import Schema

from travellr.api.http.authentication import services


def cached_json(
    key: str, ttl_seconds: float, schema: Schema, produce: Callable[[], Any]
) -> Response:
    """The cached body under `key`, else `schema.dump(produce())`, cached for `ttl_seconds`.

    A Response passes flask-smorest's `@blp.response` untouched, so the schema there still
    documents the body; the cache is always checked after the caller's access checks.
    """
    return jsonify(cached_body(key, ttl_seconds, schema, produce))


def cached_body(key: str, ttl_seconds: float, schema: Schema, produce: Callable[[], Any]) -> Any:
    """The cached body under `key`, else `schema.dump(produce())`, cached for `ttl_seconds`
    (what `cached_json` sends; the back office renders the same body as a page)."""
    cache = services().cache
    body = cache.get(key)
    if body is None:
        body = schema.dump(produce())
        cache.set(key, body, ttl_seconds)
    return body
