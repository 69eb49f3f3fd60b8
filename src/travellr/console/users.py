"""Users, for admins: search and filters, deactivate an account, change its role."""

from __future__ import annotations

from uuid import UUID

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from travellr.api.admin import UserListArgs, users_page
from travellr.api.http.authentication import new_uow, services, utcnow
from travellr.api.users import UpdateUserIn
from travellr.application import users as user_cases
from travellr.console import session
from travellr.console.blueprint import blp
from travellr.console.forms import load_query, next_page_args
from travellr.domain.actors import Role, ensure_admin


@blp.get("/users")
@session.staff_only
def users() -> str:
    """GET /api/v1/admin/users as a page: newest first, by role, activity or a search."""
    ensure_admin(session.current_actor())
    page = users_page(load_query(UserListArgs(), request.args), session.current_actor())
    return render_template(
        "console/users.html",
        page=page,
        roles=list(Role),
        filters=request.args,
        next_args=next_page_args(page.next_cursor),
    )


@blp.post("/users/<uuid:user_id>/role")
@session.staff_only
def change_role(user_id: UUID) -> Response:
    """PUT /api/v1/users/{id} with a new `role`: the same use case and its rules."""
    ensure_admin(session.current_actor())
    changes = load_query(UpdateUserIn(only=("role",)), {"role": request.form.get("role", "")})
    user_cases.update_user(
        user_id,
        changes,
        actor=session.current_actor(),
        uow=new_uow(),
        hasher=services().hasher,
        now=utcnow(),
    )
    return redirect(url_for("console.users"))


@blp.post("/users/<uuid:user_id>/deactivate")
@session.staff_only
def deactivate(user_id: UUID) -> Response:
    """DELETE /api/v1/users/{id}: its sessions end at once, its held seats are released."""
    ensure_admin(session.current_actor())
    user_cases.deactivate_user(user_id, actor=session.current_actor(), uow=new_uow(), now=utcnow())
    return redirect(url_for("console.users"))
