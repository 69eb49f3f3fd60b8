"""Times the admin read side and a big payout on the data of `bench/generate.py`.

    python bench/analytics.py --server-url postgresql://postgres@127.0.0.1:5432/test

In-process (Flask test client, no HTTP server), the app built with a cache that forgets
everything (its cache port answers every read with a miss), so every figure is the uncached,
database-bound cost. Prints the p50 (and min/max) of each:

- GET /admin/analytics for the last 30 days and for the last 365 days;
- the back office's dashboard page (GET /console/dashboard) for the last 365 days, rendered
  server-side with its tiles, tables and chart data;
- GET /admin/bookings, the first page and the page at cursor depth 50,000 (`--depth`);
- POST /vendors/{id}/payout of vendor no. 1's 100,000 completed bookings, each run undone
  afterwards (payout items, ledger rows, outbox rows and the payout deleted) so that the next
  run pays the same bookings again.

`--database` names the database `generate.py` filled (default `travellr_bench`).
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import secrets
import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from generate import ADMIN_EMAIL, DATABASE, PASSWORD, bench_url, vendor_id
from sqlalchemy import Engine, create_engine, text

from travellr.app import create_app
from travellr.bootstrap import build
from travellr.config import Environment, Settings

TARGETS_MS = {
    "analytics 30 days": 150,
    "analytics 365 days": 500,
    "console dashboard 365 days": 500,
    "payout of 100,000 bookings": 2000,
}


class ForgetfulCache:
    """The cache port with nothing in it: every read a miss, every write dropped.

    `reads` counts the lookups, so the benchmark can tell that the app asks this cache (and
    not one it built elsewhere) before it times anything as uncached.
    """

    def __init__(self) -> None:
        self.reads = 0

    def get(self, key: str) -> Any:
        self.reads += 1
        return None

    def set(self, key: str, value: Any, ttl_seconds: float) -> None:
        return None

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        self.reads += 1
        return {}

    def set_many(self, values: Mapping[str, Any], ttl_seconds: float) -> None:
        return None

    def delete(self, key: str) -> None:
        return None


def timed(call: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, times: list[float], note: str = "") -> float:
    p50 = statistics.median(times)
    target = TARGETS_MS.get(name)
    verdict = "" if target is None else (" met" if p50 < target else " MISSED") + f" (<{target})"
    spread = f"min {min(times):8.1f}  max {max(times):8.1f}  n={len(times)}"
    print(f"  {name:<34} p50 {p50:8.1f} ms  {spread}{verdict} {note}")
    return p50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default=DATABASE, help="the database generate.py filled")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--depth", type=int, default=50_000, help="admin list cursor depth")
    args = parser.parse_args()
    url = bench_url(args.server_url, args.database)
    settings = Settings(
        environment=Environment.TESTING,
        secret_key=secrets.token_urlsafe(48),
        database_url=url,
        log_level="WARNING",
    )
    cache = ForgetfulCache()
    app = create_app(services=dataclasses.replace(build(settings), cache=cache))
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert login.status_code == 200, login.get_json()
    auth = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    now = datetime.now(UTC)

    def get(url: str, **query: Any) -> Any:
        response = client.get(url, query_string=query, headers=auth)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def uncached(call: Callable[[], Any]) -> Callable[[], Any]:
        def checked() -> Any:
            reads = cache.reads
            result = call()
            assert cache.reads > reads, "the app did not ask the benchmark's cache"
            return result

        return checked

    print(f"{args.database}: {now:%Y-%m-%d %H:%M} UTC, {args.runs} runs each, uncached")
    today = now.date()
    for days in (30, 365):
        period = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
        figures = uncached(lambda p=period: get("/api/v1/admin/analytics", **p))()
        report(
            f"analytics {days} days",
            timed(uncached(lambda p=period: get("/api/v1/admin/analytics", **p)), args.runs),
            f"({figures['bookings']['total']:,} bookings, gross {figures['revenue']['gross']})",
        )

    console_dashboard(client, today, args.runs)

    first = report(
        "admin bookings, first page",
        timed(lambda: get("/api/v1/admin/bookings"), args.runs),
    )
    cursor, depth, walk_started = None, 0, time.perf_counter()
    while depth < args.depth:
        page = get("/api/v1/admin/bookings", limit=100, **({"cursor": cursor} if cursor else {}))
        cursor, depth = page["next_cursor"], depth + len(page["items"])
        assert cursor is not None, f"the list ends at {depth:,}, before --depth {args.depth:,}"
    walked = time.perf_counter() - walk_started
    deep = report(
        f"admin bookings, depth {depth:,}",
        timed(lambda: get("/api/v1/admin/bookings", cursor=cursor), args.runs),
        f"(walked {depth // 100:,} pages of 100 in {walked:.1f} s)",
    )
    print(f"  {f'depth {depth:,} / first page':<34} {deep / first:.2f}x (target <= 1.5x)")

    engine = create_engine(url)
    payout_runs(client, auth, engine, max(3, args.runs // 2))
    engine.dispose()


def console_dashboard(client: FlaskClient, today: date, runs: int) -> None:
    """The dashboard page as a signed-in admin's browser gets it (the analytics use case is
    not cached behind it, so every run reads the database)."""
    sign_in_page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', sign_in_page)
    assert token is not None
    form = {"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/console/sign-in", data=form).status_code == 302
    first = (today - timedelta(days=364)).isoformat()
    query = {"from": first, "to": today.isoformat()}

    def page() -> None:
        response = client.get("/console/dashboard", query_string=query)
        assert response.status_code == 200, response.status_code

    report("console dashboard 365 days", timed(page, runs))


def payout_runs(client: FlaskClient, auth: dict[str, str], engine: Engine, runs: int) -> None:
    """Vendor no. 1's completed bookings paid out through the endpoint, undone after each run."""
    vendor = vendor_id(1)
    with engine.connect() as connection:
        expected = connection.scalar(
            text("SELECT count(*) FROM bookings WHERE vendor_id = :v AND status = 'completed'"),
            {"v": vendor},
        )
    body = {"period_start": "2000-01-01", "period_end": "2100-01-01"}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post(f"/api/v1/vendors/{vendor}/payout", json=body, headers=auth)
        times.append((time.perf_counter() - started) * 1000)
        payout = response.get_json()
        assert response.status_code == 201, payout
        assert payout["booking_count"] == expected, (payout["booking_count"], expected)
        undo_payout(engine, uuid.UUID(payout["id"]))
    report(f"payout of {expected:,} bookings", times)


def undo_payout(engine: Engine, payout_id: uuid.UUID) -> None:
    with engine.begin() as connection:
        for sql in (
            "DELETE FROM payout_items WHERE payout_id = :p",
            "DELETE FROM ledger_entries WHERE reference_id = :p",
            "DELETE FROM outbox WHERE aggregate_id = :p",
            "DELETE FROM payouts WHERE id = :p",
        ):
            connection.execute(text(sql), {"p": payout_id})


if __name__ == "__main__":
    main()
