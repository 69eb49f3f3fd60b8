"""Liveness and readiness probes (no /api/v1 prefix)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from travellr.api.http.authentication import services

blp = Blueprint("operations", __name__)


@blp.get("/healthz")
def healthz() -> Response:
    """The process is serving."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """The database, and Redis where configured, answer."""
    checks = {"database": _database_ok()}
    if services().redis is not None:
        checks["redis"] = _redis_ok()
    failing = sorted(name for name, ok in checks.items() if not ok)
    body: dict[str, object] = {"status": "unavailable" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    return jsonify(body), 503 if failing else 200


def _database_ok() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True


def _redis_ok() -> bool:
    redis = services().redis
    try:
        return redis is not None and bool(redis.ping())
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
