"""Every benchmark script still runs: imported, then run on a tiny data set on PostgreSQL.

A benchmark that no longer runs is a defect found too late (bench/analytics.py once failed
for a cache method that had gone). These runs check that each script works and exits 0, never
its figures: the speed goals live in bench/README.md, measured by hand.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    REQUIRE_SERVICES,
    PostgresDatabase,
    requires_postgres,
    requires_redis,
)
from tests.support.server import ServerProcess

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
SCRIPTS = (
    "run",
    "analytics",
    "generate",
    "profile_paths",
    "reference_app",
    "loadgen",
    "pool_liveness",
    "webhook_latency",
)
TINY_BOOKINGS = 1_000  # generate.py's smallest: 2 vendors, 100 of them vendor no. 1's


def _server_url() -> str:
    requires_postgres()
    assert POSTGRES_URL is not None
    return POSTGRES_URL


def _bench(script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """`python bench/<script>.py args` from the repository root, as the README runs it."""
    return subprocess.run(
        [sys.executable, str(BENCH / f"{script}.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _succeeded(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 0, (
        f"exit {completed.returncode}:\n{completed.stdout}\n{completed.stderr}"
    )
    return completed.stdout


def _import_fresh(script: str) -> ModuleType:
    """bench/<script>.py imported as its siblings import it (bench/ on sys.path), not cached:
    afterwards neither it nor the siblings it imported stay in sys.modules or on sys.path."""
    saved_path = sys.path[:]
    sys.path.insert(0, str(BENCH))
    cached = {name: sys.modules.pop(name) for name in SCRIPTS if name in sys.modules}
    try:
        return importlib.import_module(script)
    finally:
        for name in SCRIPTS:
            sys.modules.pop(name, None)
        sys.modules.update(cached)
        sys.path[:] = saved_path


@pytest.fixture
def scratch_database() -> Iterator[PostgresDatabase]:
    """A database of this test's own on the TEST_DATABASE_URL server, dropped afterwards."""
    database = PostgresDatabase(_server_url().replace("postgresql://", "postgresql+psycopg://", 1))
    yield database
    database.drop()


@pytest.mark.parametrize("script", SCRIPTS)
def test_each_script_imports(script: str) -> None:
    module = _import_fresh(script)
    assert Path(str(module.__file__)).resolve() == BENCH / f"{script}.py"


@pytest.mark.slow
def test_run_measures_every_comparison_and_drops_its_database(tmp_path: Path) -> None:
    """run.py end to end, one second a measurement: both servers, the load, the profile."""
    server = _server_url()
    requires_redis()
    assert REDIS_URL is not None
    figures = tmp_path / "figures.json"
    completed = _bench(
        "run",
        *("--database-url", server, "--duration", "1", "--rounds", "1"),
        *("--workers", "1", "--connections", "2", "--threads", "1", "--loadgen", "python"),
        *("--broker-url", REDIS_URL, "--profile", "--profile-requests", "2"),
        *("--json", str(figures)),
    )
    out = _succeeded(completed)

    measured = json.loads(figures.read_text())
    assert len(measured) == 4
    for label, figure in measured.items():
        assert figure["travellr"][0] > 0, label
        assert figure["reference"][0] > 0, label
        assert figure["ratio"] > 0, label
    for path in ("book", "book_and_pay", "get_booking", "list_trips"):
        assert re.search(rf"^  {path} +travellr +[\d.]+ ms +reference +[\d.]+ ms$", out, re.M)
    scratch = re.search(r"^scratch database (\S+)$", out, re.M)
    assert scratch is not None
    engine = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        left = connection.scalar(
            text("SELECT count(*) FROM pg_database WHERE datname = :d"), {"d": scratch.group(1)}
        )
    engine.dispose()
    assert left == 0


@pytest.mark.slow
@pytest.mark.parametrize("generator", ["python", "wrk"])
def test_load_generators_count_answers_and_failures(
    generator: str, scratch_database: PostgresDatabase, tmp_path: Path
) -> None:
    """Each load generator against the reference app under gunicorn: it counts requests that
    succeed, and counts a 404 as a failure (run.py refuses figures with failures)."""
    if generator == "wrk" and shutil.which("wrk") is None:
        reason = "wrk is not installed (apt-get install -y wrk; .ci/run installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(f"{reason}, but TRAVELLR_REQUIRE_SERVICES=1 says it must run")
        pytest.skip(reason)
    reference_app, loadgen = _import_fresh("reference_app"), _import_fresh("loadgen")
    Target = loadgen.Target  # noqa: N806
    engine = create_engine(scratch_database.url)
    reference_app.create_schema(engine)
    booking_ids = reference_app.seed(engine, trips=3, bookings=3)
    with engine.connect() as connection:
        trip_ids = [str(row.id) for row in connection.execute(text("SELECT id FROM ref_trips"))]
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:{port}", "reference_app:app"]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(BENCH)}
    env["REF_DATABASE_URL"] = scratch_database.url
    server = ServerProcess(command, env=env, log_path=tmp_path / "reference.log", cwd=BENCH)

    def load(target: Any) -> Any:
        if generator == "wrk":
            return loadgen.wrk_load(server.base_url, target, 1, 2, 1)
        return loadgen.python_load(server.base_url, target, 1, 2)

    bodies = [json.dumps({"trip_id": trip, "seats": 1}) for trip in trip_ids]
    with server:
        posted = load(Target("POST", ["/bookings"], [], bodies))
        read = load(Target("GET", [f"/bookings/{b}" for b in booking_ids]))
        missing = load(Target("GET", [f"/bookings/{uuid.uuid4()}"]))
    with engine.connect() as connection:
        written = connection.scalar(text("SELECT count(*) FROM ref_bookings"))
    engine.dispose()
    assert posted.rate > 0
    assert posted.failures == 0
    assert written > len(booking_ids)
    assert read.rate > 0
    assert read.failures == 0
    assert missing.failures > 0
    for measured in (posted, read, missing):  # latency percentiles, in milliseconds
        assert 0 < measured.p50_ms <= measured.p99_ms < 10_000


@pytest.mark.slow
@pytest.mark.parametrize("sender", ["broker", "embedded"])
def test_webhook_latency_runs_with_the_sender_at_work(sender: str) -> None:
    """webhook_latency.py on a tiny setting, the webhook sender a Celery worker on the broker
    or embedded in the API: it exits 0 only if no request failed and the black hole took the
    sender's attempts during the dead side."""
    server = _server_url()
    broker = ""
    if sender == "broker":
        requires_redis()
        assert REDIS_URL is not None
        broker = REDIS_URL
    out = _succeeded(
        _bench(
            "webhook_latency",
            *("--database-url", server, "--duration", "2", "--rounds", "1", "--endpoints", "2"),
            *("--workers", "1", "--connections", "2", "--threads", "1", "--loadgen", "python"),
            *("--broker-url", broker),
        )
    )

    assert re.search(r"^  dead .* black hole: \d+ connections; deliveries", out, re.M)
    assert re.search(r"^  p99 dead / none: [\d.]+ ", out, re.M)


@pytest.mark.slow
def test_generate_then_analytics_on_a_tiny_data_set(scratch_database: PostgresDatabase) -> None:
    server = _server_url()
    out = _succeeded(
        _bench(
            "generate",
            *("--server-url", server, "--database", scratch_database.name),
            *("--bookings", str(TINY_BOOKINGS)),
        )
    )
    assert re.search(rf"^  bookings +{TINY_BOOKINGS:,}$", out, re.M)
    again = _bench("generate", "--server-url", server, "--database", scratch_database.name)
    assert again.returncode != 0  # a filled database is refused without --recreate
    assert "already holds bookings" in again.stderr

    out = _succeeded(
        _bench(
            "analytics",
            *("--server-url", server, "--database", scratch_database.name),
            *("--runs", "1", "--depth", "100"),
        )
    )
    figures = ("analytics 30 days", "analytics 365 days", "console dashboard 365 days")
    for figure in (*figures, "admin bookings, first page"):
        assert re.search(rf"^  {figure} +p50 +[\d.]+ ms", out, re.M), figure
    assert re.search(r"^  admin bookings, depth 100 +p50", out, re.M)
    assert re.search(rf"^  payout of {TINY_BOOKINGS // 10:,} bookings +p50", out, re.M)
    engine = create_engine(scratch_database.url)
    with engine.connect() as connection:  # every timed payout was undone
        payouts = connection.scalar(
            text("SELECT count(*) FROM payouts WHERE vendor_id = md5('vendor1')::uuid")
        )
    engine.dispose()
    assert payouts == 0


def test_pool_liveness_compares_the_three_checkout_checks() -> None:
    out = _succeeded(
        _bench(
            "pool_liveness", "--database-url", _server_url(), "--batches", "1", "--checkouts", "5"
        )
    )

    assert [line.split()[0] for line in out.splitlines()[1:]] == ["none", "poll", "pre_ping"]
