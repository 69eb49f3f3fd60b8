"""Headless Chromium renders /api/docs from a real `travellr serve`, offline, under its CSP.

Debian's chromium (`apt-get install chromium`, as .ci/run does), driven by Playwright for Python
with `executable_path`: no browser is downloaded. The page must list every operation of the
document in its DOM, request nothing from another host, and break no Content-Security-Policy
rule (so the vendored bundle and the external boot script run with no inline script allowed).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM, FLAGS, require_chromium
from tests.support.server import ServerProcess, travellr_server
from travellr.infrastructure.db.migrate import upgrade

pytestmark = pytest.mark.slow

METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_chromium()
    workdir = tmp_path_factory.mktemp("docs")
    database_url = f"sqlite:///{workdir / 'travellr.db'}"
    upgrade(database_url)
    with travellr_server(database_url, workdir / "server.log", workers=1) as running:
        yield running


@pytest.mark.parametrize("path", ["/api/docs", "/api/docs/"])
def test_swagger_ui_lists_every_operation_from_this_origin_only(
    server: ServerProcess, path: str
) -> None:
    document = requests.get(server.url("/api/v1/openapi.json"), timeout=10).json()
    operations = sorted(
        f"{method.upper()} {route} {operation['operationId']}"
        for route, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    )
    requested: list[str] = []
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on(
                "console",
                lambda message: (
                    violations.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(server.url(path))
            page.wait_for_selector(".opblock", timeout=60_000)
            shown = page.eval_on_selector_all(
                ".opblock",
                """blocks => blocks.map(block =>
                    block.querySelector(".opblock-summary-method").textContent.trim() + " " +
                    block.querySelector(".opblock-summary-path").getAttribute("data-path") + " " +
                    block.querySelector(".opblock-summary-operation-id").textContent.trim())""",
            )
            title = page.text_content(".info .title")
        finally:
            browser.close()

    assert sorted(shown) == operations
    assert title is not None
    assert "Travellr API" in title
    elsewhere = [url for url in requested if not url.startswith((server.base_url, "data:"))]
    assert elsewhere == []
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)
    assert violations == []
