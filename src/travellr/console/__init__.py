"""The back office at /console/: server-rendered pages for admins and vendors.

They call the same use cases as the JSON API (application/*) and read their input with the
API's own schemas, so no rule is written twice.
"""

from __future__ import annotations

from flask import Flask

from travellr.config import Settings
from travellr.console import (
    audit,
    bookings,
    dashboard,
    formatting,
    payouts,
    session,
    sign_in,
    trips,
    users,
    webhooks,
)
from travellr.console.blueprint import blp, csrf

# Their routes are on `blp`.
PAGES = (sign_in, dashboard, bookings, trips, users, payouts, audit, webhooks)


def install(app: Flask, settings: Settings) -> None:
    session.configure(app, settings)
    csrf.init_app(app)
    formatting.install(app)
    app.register_blueprint(blp)
