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
    """503 when the database does not answer; a Redis that does not answer only degrades
    the service (rate limits per process, no cache), so the instance stays in rotation."""
    checks = {"database": _database_ok()}
    if services().redis is not None:
        checks["redis"] = _redis_ok()
    body: dict[str, object] = {"status": "ok", "checks": checks}
    if not checks["database"]:
        body.update(status="unavailable", failing=["database"])
    elif not all(checks.values()):
        body.update(status="degraded", degraded=sorted(n for n, ok in checks.items() if not ok))
    return jsonify(body), 200 if checks["database"] else 503


def _database_ok() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False
    return True


def _redis_ok() -> bool:
    guard = services().redis
    try:
        return guard is not None and bool(guard.call(lambda client: client.ping()))
    except Exception:  # noqa: BLE001 - any failure means degraded
        return False
