"""POST /bookings latency with webhook endpoints that never answer, against none (issue #19).

    python bench/webhook_latency.py --database-url postgresql://postgres@127.0.0.1:5432/test \
        --duration 10 --rounds 5            # --broker-url '' for the embedded default

The goal: a dead receiver does not slow the API; POST /bookings p99 with 10 endpoints that
never answer stays within 10 % of its p99 with none. Travellr runs as bench/run.py runs it
(gunicorn, a scratch PostgreSQL database, the same settings, seeding and load generator) with
its webhook sender at work: by default Celery workers (events, webhooks) and beat, as compose.yml
and the Procfile deploy it; with `--broker-url ''` the embedded default, where the API processes
relay and fan events out on a thread their commits wake, and send on another. One setting
differs from production: TRAVELLR_ENV is `testing`, since production refuses http:// and
loopback endpoints (WEBHOOK_ALLOW_PRIVATE=true is refused there).

A vendor's endpoints (every event) point at a black hole: local sockets that take connections,
read and never answer, so each attempt waits out the sender's timeout. Rounds alternate which
side goes first. Before a "dead" side the endpoints are registered and a second of bookings
sent, and the measurement starts once the sender's first attempt waits on the black hole;
after it the endpoints are disabled, then deleted (with their deliveries) and the black hole
drained. After every side the script waits for the outbox's backlog to be handled (a worker
falls behind), so that each side starts with no sender or worker still catching up. Prints
p50/p99 per side, the median of the per-round p99 ratios, how long each side's events took to
be handled after it, and what the sender did in each "dead" side (the connections the black
hole held during the measurement; the deliveries made and attempted by its end). Exits with 1
when any request failed, or when the black hole held no connection during a "dead"
measurement: figures of a sender at rest prove nothing.
"""

from __future__ import annotations

import argparse
import secrets
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import requests
from sqlalchemy import Engine, create_engine, text

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent), str(BENCH)]

from loadgen import Measured, Target  # noqa: E402
from run import (  # noqa: E402
    Load,
    Seeded,
    booking_target,
    drop_queue,
    load_average,
    load_generator,
    production_env,
    scratch_database,
    seed_travellr,
)
from tests.support.server import (  # noqa: E402
    TRAVELLR,
    ServerProcess,
    stop_group,
    travellr_env,
    travellr_server,
)

from travellr.domain.webhooks import SEND_TIMEOUT_SECONDS  # noqa: E402

GOAL = 1.10  # p99 with dead endpoints / p99 with none
SIDES = ("none", "dead")
ENDPOINTS = "/api/v1/webhook-endpoints"
SENDER_SEEN_TIMEOUT = 60.0  # seconds for a dead side's first attempt to reach the black hole
SETTLE_TIMEOUT = 180.0  # seconds for the outbox's backlog to be handled after a side


class BlackHole:
    """Listening sockets on 127.0.0.1 that accept connections, read what comes and never
    answer; a connection ends when its client gives up."""

    def __init__(self, sockets: int) -> None:
        self._selector = selectors.DefaultSelector()
        self._listeners = [socket.create_server(("127.0.0.1", 0)) for _ in range(sockets)]
        for listener in self._listeners:
            listener.setblocking(False)
            self._selector.register(listener, selectors.EVENT_READ, data=True)
        self.accepted = 0  # connections taken so far
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="black-hole", daemon=True)

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{s.getsockname()[1]}/hook" for s in self._listeners]

    @property
    def open_connections(self) -> int:
        return len(self._selector.get_map()) - len(self._listeners)

    def drain(self, timeout: float) -> bool:
        """Wait until every client has given up (True), or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.open_connections and time.monotonic() < deadline:
            time.sleep(0.2)
        return not self.open_connections

    def _serve(self) -> None:
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                sock: socket.socket = key.fileobj  # type: ignore[assignment]
                if key.data:  # a listener
                    connection, _ = sock.accept()
                    connection.setblocking(False)
                    self._selector.register(connection, selectors.EVENT_READ, data=False)
                    self.accepted += 1
                    continue
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    self._selector.unregister(sock)
                    sock.close()

    def __enter__(self) -> BlackHole:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        self._selector.close()


@dataclass
class Side:
    measured: list[Measured] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)  # the black hole's, per measurement


@dataclass(frozen=True)
class Bench:
    api: ServerProcess
    seeded: Seeded
    hole: BlackHole
    engine: Engine
    target: Target
    load: Load

    def as_vendor(self, method: str, path: str, body: object = None) -> requests.Response:
        """The vendor's request to the API; an error answer raises."""
        auth = {"Authorization": f"Bearer {self.seeded.vendor_token}"}
        reply = requests.request(method, self.api.url(path), json=body, headers=auth, timeout=30)
        reply.raise_for_status()
        return reply


def main() -> int:
    args = _arguments()
    workdir = Path(tempfile.mkdtemp(prefix="travellr-bench-"))
    try:
        with scratch_database(args.database_url) as url:
            return _bench(args, url, workdir)
    finally:
        print(f"server logs in {workdir}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any db)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--endpoints", type=int, default=10, help="dead endpoints, at most 20")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--connections", type=int, default=4, help="one request in flight per worker: no queue"
    )
    parser.add_argument("--threads", type=int, default=2, help="load generator threads")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument(
        "--broker-url",
        default="redis://127.0.0.1:6379/13",
        help="Celery broker for the API, a worker and beat (empty: the embedded default)",
    )
    return parser.parse_args()


def _bench(args: argparse.Namespace, url: str, workdir: Path) -> int:
    queue = f"travellr-bench-{secrets.token_hex(4)}"
    env = {
        **production_env(secrets.token_urlsafe(48), args.broker_url, queue),
        "TRAVELLR_ENV": "testing",
        "WEBHOOK_ALLOW_PRIVATE": "true",
    }
    where = (
        f"Celery workers (events, webhooks) and beat on {args.broker_url}"
        if args.broker_url
        else "embedded"
    )
    print(f"webhook sender: {where}", flush=True)
    engine = create_engine(url)
    api = travellr_server(url, workdir / "travellr.log", workers=args.workers, extra_env=env)
    try:
        with BlackHole(args.endpoints) as hole, api, _worker_and_beat(url, env, workdir):
            seeded = seed_travellr(api.base_url)
            bench = Bench(api, seeded, hole, engine, booking_target(seeded), load_generator(args))
            bench.load(api.base_url, bench.target, 1)  # warm the workers and the pools
            sides, attempts_seen = _rounds(args, bench)
    finally:
        engine.dispose()
        drop_queue(args.broker_url, queue)
    _report(args, sides)
    failures = sum(m.failures for side in sides.values() for m in side.measured)
    if failures:
        print(f"\n{failures} requests failed (non-2xx or timeouts): the figures are not valid")
        return 1
    if not attempts_seen:
        print("\na 'dead' side saw no delivery attempt under way: the figures are not valid")
        return 1
    return 0


@contextmanager
def _worker_and_beat(url: str, env: dict[str, str], workdir: Path) -> Iterator[None]:
    """With a broker, the workers and beat as deployed (compose.yml, the Procfile: a worker for
    the events, one for the webhook sender; their logs in `workdir`); without one, nothing:
    the API processes send."""
    if not env["BROKER_URL"]:
        yield
        return
    commands = {
        f"{queue}-worker": [
            *TRAVELLR,
            "worker",
            f"--queue={queue}",
            f"--hostname=bench-{queue}-{secrets.token_hex(4)}@{socket.gethostname()}",
        ]
        for queue in ("events", "webhooks")
    }
    commands["beat"] = [*TRAVELLR, "beat", f"--schedule={workdir / 'beat-schedule'}"]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands.items():
            with (workdir / f"{name}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        env=travellr_env(url, env),
                        cwd=workdir,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )
        yield
    finally:
        for process in processes:
            stop_group(process)


def _register_dead_endpoints(bench: Bench) -> list[str]:
    """The vendor's endpoints at the black hole, with the sender already waiting on it: a
    second of bookings, then their first attempt."""
    created = [
        bench.as_vendor("POST", ENDPOINTS, {"url": url, "events": ["*"]}).json()["id"]
        for url in bench.hole.urls
    ]
    seen = bench.hole.accepted
    bench.load(bench.api.base_url, bench.target, 1)
    deadline = time.monotonic() + SENDER_SEEN_TIMEOUT
    while bench.hole.accepted == seen and time.monotonic() < deadline:
        time.sleep(0.1)
    return created


def _remove_endpoints(bench: Bench, endpoints: list[str]) -> float:
    """Disable the endpoints (no new delivery, no new attempt), wait for the backlog of events
    (`_settle`, whose seconds it returns), then delete them with their deliveries and wait for
    every attempt under way to give up. A delete while a worker inserts deliveries for the
    endpoint can fail, hence the order."""
    for endpoint in endpoints:
        bench.as_vendor("PUT", f"{ENDPOINTS}/{endpoint}", {"enabled": False})
    waited = _settle(bench.engine)
    for endpoint in endpoints:
        bench.as_vendor("DELETE", f"{ENDPOINTS}/{endpoint}")
    if not bench.hole.drain(SEND_TIMEOUT_SECONDS + 5):
        print("  (the black hole still holds connections)")
    return waited


def _settle(engine: Engine) -> float:
    """Wait until the workers have handled every committed event (with a broker they fall
    behind), so that the next side is measured without a backlog; returns the seconds waited."""
    started = time.monotonic()
    while _scalar(engine, "SELECT count(*) FROM outbox WHERE handled_at IS NULL"):
        if time.monotonic() - started > SETTLE_TIMEOUT:
            print(f"  (the outbox still holds unhandled events after {SETTLE_TIMEOUT:.0f} s)")
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _scalar(engine: Engine, query: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(query)) or 0)


def _rounds(args: argparse.Namespace, bench: Bench) -> tuple[dict[str, Side], bool]:
    """Both sides every round, in alternating order; and whether every dead side saw attempts."""
    sides = {name: Side() for name in SIDES}
    attempts_seen = True
    for number in range(args.rounds):
        print(f"round {number + 1}: load average {load_average()}", flush=True)
        for name in SIDES if number % 2 == 0 else SIDES[::-1]:
            if name == "dead":
                endpoints = _register_dead_endpoints(bench)
                measured, connections = _measure(args, bench)
                made = _scalar(bench.engine, "SELECT count(*) FROM webhook_deliveries")
                attempted = _scalar(
                    bench.engine, "SELECT count(*) FROM webhook_deliveries WHERE attempts > 0"
                )
                note = f"; deliveries {made:,} made, {attempted:,} attempted"
                attempts_seen = attempts_seen and connections > 0
                backlog = _remove_endpoints(bench, endpoints)
            else:
                measured, connections = _measure(args, bench)
                note = ""
                backlog = _settle(bench.engine)
            sides[name].measured.append(measured)
            sides[name].connections.append(connections)
            failed = f"  ({measured.failures} failed!)" if measured.failures else ""
            print(
                f"  {name:<4}  p50 {measured.p50_ms:7.2f} ms  p99 {measured.p99_ms:7.2f} ms"
                f"  {measured.rate:7.1f} req/s  black hole: {connections} connections{note};"
                f" events all handled {backlog:.0f} s later{failed}",
                flush=True,
            )
    return sides, attempts_seen


def _measure(args: argparse.Namespace, bench: Bench) -> tuple[Measured, int]:
    """POST /bookings for `args.duration` seconds; with the connections the black hole held
    meanwhile (open at the start, or taken since): the sender's attempts under way."""
    held, before = bench.hole.open_connections, bench.hole.accepted
    measured = bench.load(bench.api.base_url, bench.target, args.duration)
    return measured, held + bench.hole.accepted - before


def _report(args: argparse.Namespace, sides: dict[str, Side]) -> None:
    none, dead = sides["none"].measured, sides["dead"].measured
    ratios = [d.p99_ms / n.p99_ms for d, n in zip(dead, none, strict=True)]
    ratio = statistics.median(ratios)
    print(f"\nPOST /bookings, median of {args.rounds} rounds of {args.duration} s with")
    print(f"{args.connections} connections (load average now {load_average()})")
    for name, measured in sides.items():
        p50 = statistics.median(m.p50_ms for m in measured.measured)
        p99 = statistics.median(m.p99_ms for m in measured.measured)
        rate = statistics.median(m.rate for m in measured.measured)
        print(f"  {name:<4}  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  {rate:7.1f} req/s")
    rounds = ", ".join(f"{r:.2f}" for r in ratios)
    verdict = "ok" if ratio <= GOAL else "MISSED"
    print(f"  p99 dead / none: {ratio:.2f} ({rounds}), goal <= {GOAL:.2f}  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
