"""gunicorn settings for `travellr serve` and the container: `-c python:travellr.cli.gunicorn_conf`.

These are process-launch settings that gunicorn reads itself (PORT, WEB_CONCURRENCY, the
Prometheus directory); the application's settings still come from `travellr.config` only.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]


def _metrics_dir() -> tuple[str, bool]:
    """The Prometheus multiprocess directory, emptied; True when we made it (and remove it)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not given:
        return tempfile.mkdtemp(prefix="travellr-metrics-"), True
    path = Path(given)
    path.mkdir(parents=True, exist_ok=True)
    # Files left by a previous run would add its counts to this one's; only prometheus_client's
    # own files go, in case the directory was pointed somewhere that holds anything else.
    for stale in path.glob("*.db"):
        stale.unlink()
    return given, False


# Set before any worker imports prometheus_client, which reads it once, at import.
METRICS_DIR, _MADE_METRICS_DIR = _metrics_dir()
os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR

# `travellr serve` passes --bind from the settings (HOST, PORT); this covers a bare `gunicorn`.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
worker_class = "sync"
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
keepalive = 5
max_requests = 10_000  # recycle workers now and then so that slow leaks cannot pile up
max_requests_jitter = 1_000
# The master loads the app once and forks workers from it: a new or recycled worker starts in
# milliseconds instead of re-importing everything (~1 s of CPU each), and the workers share
# the loaded code's memory. A code change therefore needs a restart, not a HUP. Nothing in
# the app connects at import: pools, Redis and the broker connect on first use, in a worker.
preload_app = True
accesslog = "-"
errorlog = "-"


class JsonAccessLogger(Logger):  # type: ignore[misc]
    """One JSON object per request, with the request id the app answered with."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "time": datetime.now(UTC).isoformat(),
            "level": "INFO",
            "logger": "gunicorn.access",
            "message": "request",
            "request_id": atoms.get("{x-request-id}o", "-"),
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": resp.status_code,
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 2),
            "remote_addr": atoms["h"],
            "user_agent": atoms["a"],
            "pid": os.getpid(),
        }
        self.access_log.info(json.dumps(line))


logger_class = JsonAccessLogger


def when_ready(_server: Any) -> None:
    """The preloaded app's live gauges (its pool sizes) count in each worker, not the master."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(os.getpid(), METRICS_DIR)  # type: ignore[no-untyped-call]


def post_worker_init(worker: Any) -> None:
    """Without a broker, each worker runs the embedded scheduler; one of them holds its lease."""
    from travellr.workers.celery_app import SCHEDULER

    scheduler = getattr(worker.wsgi, "extensions", {}).get(SCHEDULER)
    if scheduler is not None:
        scheduler.start()


def worker_exit(_server: Any, worker: Any) -> None:
    """A stopping worker relays what its last requests committed (embedded default) and hands
    the scheduler lease back, so another takes it at once."""
    from travellr.workers.celery_app import RELAY, SCHEDULER

    extensions = getattr(worker.wsgi, "extensions", {})
    relay = extensions.get(RELAY)
    if relay is not None:
        relay.drain(timeout=10)
    scheduler = extensions.get(SCHEDULER)
    if scheduler is not None:
        scheduler.stop()


def child_exit(_server: Any, worker: Any) -> None:
    """Drop a dead worker's live gauges (in-flight requests, pool use) from the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, METRICS_DIR)  # type: ignore[no-untyped-call]


def on_exit(_server: Any) -> None:
    """Remove the metrics directory this config made."""
    if _MADE_METRICS_DIR:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
