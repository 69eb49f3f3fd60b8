"""The back office's one blueprint, its static files, CSRF protection and error pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from travellr.api.http.problems import internal_error, status_of
from travellr.api.http.rate_limits import TooManyRequests
from travellr.api.http.static_assets import StaticAssets
from travellr.domain.errors import DomainError

blp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates")
assets = StaticAssets(blp, Path(__file__).parent / "static")
csrf = CSRFProtect()


@blp.before_request
def _check_csrf() -> None:
    """Every state-changing console request carries the session's CSRF token (the JSON API,
    authenticated by bearer tokens rather than cookies, is not checked)."""
    csrf.protect()


@blp.context_processor
def _page_context() -> dict[str, object]:
    return {"console_asset": assets.url, "actor": g.get("actor")}


@blp.after_request
def _no_store(response: Response) -> Response:
    """Pages show one user's data: never kept by a browser or a proxy (assets are)."""
    if request.endpoint != "console.asset":
        response.headers["Cache-Control"] = "no-store"
    return response


def error_page(status: int, title: str, detail: str) -> tuple[str, int]:
    return render_template("console/error.html", title=title, detail=detail), status


@blp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    return error_page(400, "Form expired", "Reload the page and submit the form again.")


@blp.errorhandler(DomainError)
def _refused(error: DomainError) -> tuple[str, int] | Response:
    status = status_of(type(error))
    if status is None:
        return internal_error(error)
    return error_page(status, error.title, error.detail or error.title)


@blp.errorhandler(TooManyRequests)
def _too_many(error: TooManyRequests) -> tuple[str, int]:
    page, status = error_page(
        429, "Too many attempts", f"Wait {error.retry_after} seconds, then try again."
    )
    return page, status


@blp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> tuple[str, int] | Response:
    status = error.code or 500
    if status >= 500:
        return internal_error(error)
    return error_page(status, error.name, error.description or error.name)
