"""Static files a blueprint ships: served from the app, cached for a year, URLs by content hash.

The URL carries a hash of the file's bytes, so a new release changes the URL and browsers may
keep each version forever (`immutable`). Used by the API docs and the back office alike.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, send_from_directory, url_for

ONE_YEAR = 365 * 24 * 3600
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"


class StaticAssets:
    """Serves `directory` at `<blueprint>/assets/<path>` and names files by their hash."""

    def __init__(self, blueprint: Blueprint, directory: Path) -> None:
        self.directory = directory
        self.endpoint = f"{blueprint.name}.asset"
        blueprint.add_url_rule("/assets/<path:filename>", "asset", self.serve)

    def serve(self, filename: str) -> Response:
        response = send_from_directory(self.directory, filename, max_age=ONE_YEAR)
        response.headers["Cache-Control"] = IMMUTABLE
        return response

    def url(self, filename: str) -> str:
        return url_for(self.endpoint, filename=filename, v=_digest(self.directory / filename))


@cache
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
