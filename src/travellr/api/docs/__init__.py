"""Interactive API docs: Swagger UI from the assets this service ships, without a CDN.

The page loads only this origin's files (a vendored, pinned swagger-ui-dist and the script that
boots it), so it works offline and under a Content-Security-Policy with no inline script.
Asset URLs carry their content's hash, so browsers may cache them for a year.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, render_template, send_from_directory, url_for

STATIC = Path(__file__).parent / "static"
ONE_YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"

blp = Blueprint("docs", __name__, url_prefix="/api/docs", template_folder="templates")


@blp.get("")
@blp.get("/")
def swagger_ui() -> str:
    """The docs page, at /api/docs and /api/docs/ alike."""
    return render_template(
        "api_docs.html", asset=asset_url, spec_url=url_for("api-docs.openapi_json")
    )


@blp.get("/assets/<path:filename>")
def asset(filename: str) -> Response:
    response = send_from_directory(STATIC, filename, max_age=ONE_YEAR)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def asset_url(filename: str) -> str:
    return url_for("docs.asset", filename=filename, v=_digest(filename))


@cache
def _digest(filename: str) -> str:
    return hashlib.sha256((STATIC / filename).read_bytes()).hexdigest()[:16]
