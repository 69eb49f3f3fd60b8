"""Interactive API docs: Swagger UI from the assets this service ships, without a CDN.

The page loads only this origin's files (a vendored, pinned swagger-ui-dist and the script that
boots it), so it works offline and under a Content-Security-Policy with no inline script.
Asset URLs carry their content's hash, so browsers may cache them for a year.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, render_template, url_for

from travellr.api.http.static_assets import StaticAssets

blp = Blueprint("docs", __name__, url_prefix="/api/docs", template_folder="templates")
assets = StaticAssets(blp, Path(__file__).parent / "static")


@blp.get("")
@blp.get("/")
def swagger_ui() -> str:
    """The docs page, at /api/docs and /api/docs/ alike."""
    return render_template(
        "api_docs.html", asset=assets.url, spec_url=url_for("api-docs.openapi_json")
    )
