"""Headless Chromium for the browser tests: Debian's package (or a CI runner's Chrome), never
a downloaded one, driven by Playwright for Python through `executable_path`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_SERVICES

# Debian's chromium here and in .ci/run; a hosted CI runner's preinstalled Chrome elsewhere.
CHROMIUM = next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))),
    "/usr/bin/chromium",
)
# As root, without a sandbox; and no background calls home (the network here is closed anyway).
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without a browser; fail instead where every dependency is required (CI)."""
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (apt-get install -y chromium)"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
