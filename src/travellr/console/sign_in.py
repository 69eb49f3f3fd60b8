"""Signing in and out, the console's front door and the page travellers are shown."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from travellr.api.auth import LoginIn
from travellr.api.http.authentication import new_uow, services
from travellr.api.http.rate_limits import enforce_rate_limit
from travellr.application import auth
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_form
from travellr.domain.actors import Role
from travellr.domain.users import normalise_email


@blp.get("/")
@session.staff_only
def home() -> Response:
    if session.current_actor().is_admin:
        return redirect(url_for("console.dashboard"))
    return redirect(url_for("console.trips"))


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | tuple[str, int] | str:
    """The same accounts, login use case and rate limits as POST /api/v1/auth/login."""
    next_url = _safe_next(request.values.get("next", ""))
    if request.method == "GET":
        return render_template("console/sign_in.html", next_url=next_url, email="")
    email = request.form.get("email", "")
    credentials, errors = load_form(LoginIn(), request.form)
    accounts = [] if errors else [normalise_email(credentials["email"])]
    enforce_rate_limit("login", services().settings.rate_limit_login, accounts=accounts)
    try:
        if errors:
            raise auth.InvalidCredentials()
        user = auth.login(**credentials, uow=new_uow(), hasher=services().hasher)
    except auth.InvalidCredentials:
        page = render_template(
            "console/sign_in.html",
            next_url=next_url,
            email=email,
            error="Invalid email or password.",
        )
        return page, 401
    session.start(user)
    if user.role is Role.TRAVELER:
        return redirect(url_for("console.not_for_you"))
    return redirect(next_url or url_for("console.home"))


@blp.post("/sign-out")
def sign_out() -> Response:
    session.end()
    return redirect(url_for("console.sign_in"))


@blp.get("/not-for-you")
def not_for_you() -> Response | str:
    actor = session.signed_in_actor()
    if actor is None:
        return redirect(url_for("console.sign_in"))
    return render_template("console/not_for_you.html", actor=actor)


def _safe_next(value: str) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    if value.startswith("/console/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""
