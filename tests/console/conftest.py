"""Console tests: a signed-in browser-like client per account, with its CSRF token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import PASSWORD, Api, api  # noqa: F401 - the fixture, for these tests

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


class Browser:
    """A cookie-keeping client signed in to the console as one account."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()

    def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        token = csrf_of(self.client.get("/console/sign-in").get_data(as_text=True))
        return self.client.post(
            "/console/sign-in", data={"email": email, "password": password, "csrf_token": token}
        )

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post_form(self, page: str, url: str, data: dict[str, str]) -> Any:
        """Submit a form the way a browser does: with the token from the page it is on."""
        token = csrf_of(self.client.get(page).get_data(as_text=True))
        return self.client.post(url, data={**data, "csrf_token": token})


@pytest.fixture
def browser(app: Flask) -> Any:
    return lambda: Browser(app)
