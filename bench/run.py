"""Travellr's request rate against a bare Flask + SQLAlchemy Core yardstick: same machine, load.

    python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/test \
        --duration 10 --rounds 3

Creates a scratch database, migrates it, starts Travellr (`travellr serve`) and the reference
app (bench/reference_app.py) under gunicorn with the same sync workers, seeds both over their
own paths, then runs alternating rounds of the same load generator (wrk with a Lua script when
it is installed, else a keep-alive Python one) against each, prints requests/s and the ratios,
and drops the scratch database. `--profile` adds a pyinstrument profile of each Travellr path.
Exits with 1 when any measured request failed (a rate of errors is no figure).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

import reference_app  # noqa: E402
from loadgen import Measured, Target, python_load, wrk_load  # noqa: E402
from tests.support.server import ServerProcess, travellr_server  # noqa: E402

from travellr.infrastructure.db.migrate import upgrade  # noqa: E402

TRIPS = 50
TRAVELLERS = 50
PASSWORD = "BenchPass123"  # noqa: S105 - a throwaway account in a scratch database


@dataclass(frozen=True)
class Scenario:
    name: str
    app: str  # "travellr" or "reference"
    target: Target


@dataclass(frozen=True)
class Comparison:
    label: str
    travellr: str
    reference: str
    goal: float


COMPARISONS = (
    Comparison("POST /bookings (pending) vs INSERT", "book", "insert", 0.5),
    Comparison("POST /bookings paid at once vs INSERT", "book_and_pay", "insert", 0.35),
    Comparison("GET /bookings/{id} vs SELECT by id", "get_booking", "select", 0.7),
    Comparison("GET /trips first page vs LIMIT 20", "list_trips", "list", 0.6),
)


@dataclass
class Seeded:
    vendor_token: str = ""
    trip_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    bookings: list[tuple[str, str]] = field(default_factory=list)  # (token, booking id)
    ref_trip_ids: list[str] = field(default_factory=list)
    ref_booking_ids: list[str] = field(default_factory=list)


def main() -> int:
    args = _arguments()
    workdir = Path(tempfile.mkdtemp(prefix="travellr-bench-"))
    try:
        with scratch_database(args.database_url) as url:
            return _bench(args, url, workdir)
    finally:
        print(f"server logs in {workdir}")


@contextmanager
def scratch_database(database_url: str) -> Iterator[str]:
    """A new database on `database_url`'s server, migrated to head, dropped afterwards."""
    server_url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"travellr_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    print(f"scratch database {name}", flush=True)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        print(f"dropped {name}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any db)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, each app")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--profile", action="store_true", help="pyinstrument each Travellr path")
    parser.add_argument("--profile-requests", type=int, default=300, help="per path, --profile")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--broker-url",
        default="redis://127.0.0.1:6379/13",
        help="Celery broker for Travellr, as in production (empty: tasks run in-process)",
    )
    return parser.parse_args()


def production_env(secret: str, broker_url: str, queue: str) -> dict[str, str]:
    """Travellr's settings for a benchmark: production's, with cheap password hashes and no
    login limits (the seeding registers and logs in many accounts at once). An empty
    `broker_url` gives the embedded default: tasks in-process, jobs in the server."""
    return {
        "TRAVELLR_ENV": "production",
        "SECRET_KEY": secret,
        "LOG_LEVEL": "WARNING",
        "BCRYPT_ROUNDS": "4",
        "RATE_LIMIT_LOGIN": "1000000/minute",
        "RATE_LIMIT_REGISTER": "1000000/minute",
        "BROKER_URL": broker_url,
        "TASK_QUEUE": queue,
    }


def drop_queue(broker_url: str, queue: str) -> None:
    """Delete a benchmark's own task queue from a Redis broker: the list and its bindings
    (kombu's own `queue_delete` drops only what its channel declared)."""
    if broker_url.startswith("redis"):
        for name in (queue, f"{queue}.webhooks"):  # and the webhook sender's queue
            bindings = (f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}")
            Redis.from_url(broker_url).delete(name, *bindings)


def _bench(args: argparse.Namespace, url: str, workdir: Path) -> int:
    secret = secrets.token_urlsafe(48)
    queue = f"travellr-bench-{secrets.token_hex(4)}"
    # Events go to the broker as in production; no worker drains this queue, it is dropped.
    env = production_env(secret, args.broker_url, queue)
    travellr = travellr_server(url, workdir / "travellr.log", workers=args.workers, extra_env=env)
    reference = _reference_server(url, workdir / "reference.log", args.workers)
    with travellr, reference:
        seeded = seed_travellr(travellr.base_url)
        _seed_reference(url, seeded)
        scenarios = _scenarios(seeded)
        load = load_generator(args)
        servers = {"travellr": travellr, "reference": reference}
        results, failures = _rounds(args, scenarios, servers, load)
    drop_queue(args.broker_url, queue)
    _report(args, results)
    if args.profile:
        from profile_paths import profile_paths

        profile_paths(url, secret, seeded, workdir, args.profile_requests)
    if failures:
        print(f"\n{failures} requests failed (non-2xx or timeouts): the figures are not valid")
        return 1
    return 0


def _reference_server(url: str, log: Path, workers: int) -> ServerProcess:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        "127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "reference_app:app",
    ]
    env = {"PATH": "/usr/bin:/bin", "REF_DATABASE_URL": url, "PYTHONPATH": str(BENCH)}
    return ServerProcess(command, env=env, log_path=log, workers=workers, cwd=BENCH)


def seed_travellr(base: str) -> Seeded:
    """A vendor with TRIPS trips of 10000 seats, TRAVELLERS travellers with one booking each."""
    seeded = Seeded()
    session = requests.Session()

    def register(role: str) -> str:
        body = {
            "email": f"{role}-{uuid.uuid4().hex[:12]}@bench.example.com",
            "password": PASSWORD,
            "name": f"Bench {role}",
            "role": role,
        }
        reply = requests.post(f"{base}/api/v1/auth/register", json=body, timeout=30)
        reply.raise_for_status()
        return str(reply.json()["access_token"])

    seeded.vendor_token = register("vendor")
    vendor = {"Authorization": f"Bearer {seeded.vendor_token}"}
    start = datetime.now(UTC) + timedelta(days=30)
    for n in range(TRIPS):
        trip = {
            "title": f"Bench trip {n}",
            "description": "A trip to measure with.",
            "destination": "Lisbon",
            "start_at": (start + timedelta(days=n)).isoformat(),
            "end_at": (start + timedelta(days=n + 7)).isoformat(),
            "price": "100.00",
            "capacity": 10000,
        }
        reply = session.post(f"{base}/api/v1/trips", json=trip, headers=vendor, timeout=30)
        reply.raise_for_status()
        seeded.trip_ids.append(reply.json()["id"])
    with ThreadPoolExecutor(8) as pool:
        seeded.tokens = list(pool.map(lambda _: register("traveler"), range(TRAVELLERS)))
    for n, token in enumerate(seeded.tokens):
        reply = session.post(
            f"{base}/api/v1/bookings",
            json={"trip_id": seeded.trip_ids[n % TRIPS]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        reply.raise_for_status()
        seeded.bookings.append((token, reply.json()["id"]))
    session.close()
    return seeded


def _seed_reference(url: str, seeded: Seeded) -> None:
    engine = create_engine(url)
    reference_app.create_schema(engine)
    seeded.ref_booking_ids = reference_app.seed(engine, trips=TRIPS, bookings=TRAVELLERS)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM ref_trips ORDER BY start_at")).all()
    seeded.ref_trip_ids = [str(row.id) for row in rows]
    engine.dispose()


def _booking_bodies(trips: list[str], extra: dict[str, Any]) -> list[str]:
    return [json.dumps({"trip_id": trip, "seats": 1, **extra}) for trip in trips]


def booking_target(seeded: Seeded, **extra: Any) -> Target:
    """POST /bookings round-robin over the seeded trips and travellers (`extra` in each body)."""
    auth = [f"Bearer {token}" for token in seeded.tokens]
    return Target("POST", ["/api/v1/bookings"], auth, _booking_bodies(seeded.trip_ids, extra))


def _scenarios(seeded: Seeded) -> list[Scenario]:
    return [
        Scenario("book", "travellr", booking_target(seeded)),
        Scenario("book_and_pay", "travellr", booking_target(seeded, payment_method="pm_card_visa")),
        Scenario(
            "get_booking",
            "travellr",
            Target(
                "GET",
                [f"/api/v1/bookings/{booking}" for _, booking in seeded.bookings],
                [f"Bearer {token}" for token, _ in seeded.bookings],
            ),
        ),
        Scenario("list_trips", "travellr", Target("GET", ["/api/v1/trips"])),
        Scenario(
            "insert",
            "reference",
            Target("POST", ["/bookings"], [], _booking_bodies(seeded.ref_trip_ids, {})),
        ),
        Scenario(
            "select",
            "reference",
            Target("GET", [f"/bookings/{booking}" for booking in seeded.ref_booking_ids]),
        ),
        Scenario("list", "reference", Target("GET", ["/trips"])),
    ]


Load = Callable[[str, Target, int], Measured]


def load_generator(args: argparse.Namespace) -> Load:
    """wrk or the Python one, as `args.loadgen` says, with `args.connections` (and, for wrk,
    `args.threads`)."""
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk"))
    if use_wrk:
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        print(f"load generator: {(version.stdout or version.stderr).splitlines()[0]}")
        return lambda base, target, seconds: wrk_load(
            base, target, seconds, args.connections, args.threads
        )
    why = "asked for" if args.loadgen == "python" else "wrk not found"
    print(f"load generator: python (threads + http.client keep-alive); {why}")
    return lambda base, target, seconds: python_load(base, target, seconds, args.connections)


def _rounds(
    args: argparse.Namespace,
    scenarios: list[Scenario],
    servers: dict[str, ServerProcess],
    load: Load,
) -> tuple[dict[str, dict[str, list[float]]], int]:
    """Each comparison's two sides measured back to back, in alternating order, every round;
    with the number of requests that failed.

    Pairing keeps a drift of the machine's background load out of the ratios as far as it can:
    both sides of a ratio are measured within one `2 x duration` window.
    """
    by_name = {s.name: s for s in scenarios}
    for scenario in scenarios:  # warm the pools, the caches and the workers
        load(servers[scenario.app].base_url, scenario.target, 1)
    results: dict[str, dict[str, list[float]]] = {
        c.label: {"travellr": [], "reference": []} for c in COMPARISONS
    }
    failed = 0
    for number in range(args.rounds):
        print(f"round {number + 1}: load average {load_average()}", flush=True)
        for index, comparison in enumerate(COMPARISONS):
            sides = [("travellr", comparison.travellr), ("reference", comparison.reference)]
            if (number + index) % 2:
                sides.reverse()
            for app, name in sides:
                measured = load(servers[app].base_url, by_name[name].target, args.duration)
                results[comparison.label][app].append(measured.rate)
                failed += measured.failures
                note = f"  ({measured.failures} non-2xx!)" if measured.failures else ""
                print(f"  {app:<9} {name:<13} {measured.rate:9.1f} req/s{note}", flush=True)
    return results, failed


def _report(args: argparse.Namespace, results: dict[str, dict[str, list[float]]]) -> None:
    print(f"\nrequests/s, median of {args.rounds} rounds of {args.duration} s (load average now")
    print(f"{load_average()}); ratio = median of the per-round ratios")
    print(f"  {'comparison':<40} {'travellr':>9} {'reference':>9} {'goal':>5} {'ratio':>6}")
    figures: dict[str, Any] = {}
    for c in COMPARISONS:
        ours, theirs = results[c.label]["travellr"], results[c.label]["reference"]
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        verdict = "ok" if ratio >= c.goal else "MISSED"
        print(
            f"  {c.label:<40} {statistics.median(ours):9.1f} {statistics.median(theirs):9.1f}"
            f" {c.goal:5.2f} {ratio:6.2f}  {verdict}"
        )
        figures[c.label] = {"goal": c.goal, "ratio": round(ratio, 3), **results[c.label]}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
