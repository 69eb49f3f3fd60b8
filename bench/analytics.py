"""Times the admin read side and a big payout on the data of `bench/generate.py`.

    python bench/analytics.py --server-url postgresql://postgres@127.0.0.1:5432/test

In-process (Flask test client, no HTTP), the cache emptied before every timed request, so
every figure is the uncached, database-bound cost. Prints the p50 (and min/max) of each:

- GET /admin/analytics for the last 30 days and for the last 365 days;
- GET /admin/bookings, the first page and the page at cursor depth 50,000 (20 items each);
- POST-equivalent payout (`pay_vendor`) of vendor no. 1's 100,000 completed bookings, each run
  undone afterwards (payout items, ledger rows, outbox rows and the payout deleted) so that the
  next run pays the same bookings again.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from generate import DATABASE, bench_url, vendor_id
from sqlalchemy import text

from travellr.app import create_app
from travellr.application.payouts import pay_vendor
from travellr.config import Environment, Settings
from travellr.domain.actors import Actor, Role
from travellr.domain.money import DEFAULT_COMMISSION
from travellr.infrastructure.db.uow import SqlUnitOfWork

TARGETS_MS = {
    "analytics 30 days": 150,
    "analytics 365 days": 500,
    "payout of 100,000 bookings": 2000,
}


def timed(
    call: Callable[[], Any], runs: int, before: Callable[[], Any] | None = None
) -> list[float]:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
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
    parser.add_argument("--runs", type=int, default=11)
    args = parser.parse_args()
    settings = Settings(
        environment=Environment.TESTING,
        secret_key=secrets.token_urlsafe(48),
        database_url=bench_url(args.server_url),
        log_level="WARNING",
    )
    app = create_app(settings)
    services = app.extensions["travellr"]
    client = app.test_client()
    with services.engine.connect() as connection:
        admin_id = connection.scalar(text("SELECT id FROM users WHERE role = 'admin' LIMIT 1"))
    now = datetime.now(UTC)
    auth = {"Authorization": f"Bearer {services.tokens.issue(admin_id, Role.ADMIN, now=now)}"}

    def get(url: str, **query: Any) -> Any:
        response = client.get(url, query_string=query, headers=auth)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def empty_cache() -> None:
        services.cache.delete_pattern("*")

    print(f"{DATABASE}: {now:%Y-%m-%d %H:%M} UTC, {args.runs} runs each, cache emptied each time")
    today = now.date()
    for days in (30, 365):
        period = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
        figures = get("/api/v1/admin/analytics", **period)
        report(
            f"analytics {days} days",
            timed(lambda p=period: get("/api/v1/admin/analytics", **p), args.runs, empty_cache),
            f"({figures['bookings']['total']:,} bookings, gross {figures['revenue']['gross']})",
        )

    first = report(
        "admin bookings, first page",
        timed(lambda: get("/api/v1/admin/bookings"), args.runs),
    )
    cursor, depth, walk_started = None, 0, time.perf_counter()
    while depth < 50_000:
        page = get("/api/v1/admin/bookings", limit=100, **({"cursor": cursor} if cursor else {}))
        cursor, depth = page["next_cursor"], depth + len(page["items"])
    walked = time.perf_counter() - walk_started
    deep = report(
        "admin bookings, depth 50,000",
        timed(lambda: get("/api/v1/admin/bookings", cursor=cursor), args.runs),
        f"(walked 500 pages of 100 in {walked:.1f} s)",
    )
    print(f"  {'depth 50,000 / first page':<34} {deep / first:.2f}x (target <= 1.5x)")

    admin = Actor(user_id=admin_id, role=Role.ADMIN)
    report("payout of 100,000 bookings", payout_runs(services, admin, max(3, args.runs // 2)))


def payout_runs(services: Any, actor: Actor, runs: int) -> list[float]:
    vendor = vendor_id(1)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        payout = pay_vendor(
            vendor,
            date(2000, 1, 1),
            date(2100, 1, 1),
            actor=actor,
            new_uow=lambda: SqlUnitOfWork(services.session_factory),
            gateway=services.payouts,
            commission=DEFAULT_COMMISSION,
            now=datetime.now(UTC),
        )
        times.append((time.perf_counter() - started) * 1000)
        assert payout.booking_count == 100_000, payout.booking_count
        undo_payout(services, payout.id)
    return times


def undo_payout(services: Any, payout_id: Any) -> None:
    with services.engine.begin() as connection:
        for sql in (
            "DELETE FROM payout_items WHERE payout_id = :p",
            "DELETE FROM ledger_entries WHERE reference_id = :p",
            "DELETE FROM outbox WHERE aggregate_id = :p",
            "DELETE FROM payouts WHERE id = :p",
        ):
            connection.execute(text(sql), {"p": payout_id})


if __name__ == "__main__":
    main()
