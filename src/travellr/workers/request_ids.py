"""Carry the id of the request that queued a task into the task's log lines.

Receivers for Celery's signals; the Celery app connects them:
`before_task_publish.connect(stamp_request_id)`, `task_prerun.connect(bind_request_id)`,
`task_postrun.connect(unbind_request_id)`.
"""

from __future__ import annotations

from typing import Any

from travellr.observability.logs import current_request_id, request_id_var

HEADER = "travellr_request_id"


def stamp_request_id(headers: dict[str, Any] | None = None, **_signal: Any) -> None:
    """Put the current request id into the headers of the task message being published."""
    request_id = current_request_id()
    if headers is not None and request_id:
        headers.setdefault(HEADER, request_id)


def bind_request_id(task: Any = None, **_signal: Any) -> None:
    """Make the request id the task was queued with the one its log lines carry."""
    request = getattr(task, "request", None)
    request_id_var.set(getattr(request, HEADER, None) if request is not None else None)


def unbind_request_id(**_signal: Any) -> None:
    """A worker process runs many tasks: the next one must not inherit this one's id."""
    request_id_var.set(None)
