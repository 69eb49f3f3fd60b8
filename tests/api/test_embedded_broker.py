"""Without BROKER_URL the tasks run in-process: kombu has nothing to warn about."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from tests.api.conftest import Api
from tests.api.factories import book, make_trip
from tests.conftest import make_settings
from travellr.app import create_app
from travellr.workers.celery_app import attach


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_booking_with_no_broker_logs_no_kombu_warning(
    sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "travellr.db"
    database.write_bytes(sqlite_template.read_bytes())
    app: Flask = create_app(make_settings(f"sqlite:///{database}"))
    attach(app)
    api = Api(app, app.test_client())
    kombu, warnings = logging.getLogger("kombu"), Collect()  # after the app set up logging
    kombu.addHandler(warnings)
    try:
        book(api, api.register(), make_trip(api, api.register("vendor")))
    finally:
        kombu.removeHandler(warnings)
        app.extensions["travellr"].engine.dispose()

    assert warnings.messages == []
