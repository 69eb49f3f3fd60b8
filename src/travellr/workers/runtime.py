"""The services the tasks of this process use, installed once by `configure`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from travellr.bootstrap import Services

_installed: list[Services] = []


def install(services: Services) -> None:
    _installed[:] = [services]


def services() -> Services:
    if not _installed:
        raise RuntimeError("the Celery app is not configured: start it with `travellr worker`")
    return _installed[0]
