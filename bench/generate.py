"""Set-based data for the analytics, admin list and payout benchmarks, on PostgreSQL.

1,000 vendors, 100,000 travellers, 20,000 trips and 1,000,000 bookings over the last two years,
with their payments, refunds and payouts, written by a few `INSERT ... SELECT FROM
generate_series` statements (no row-by-row requests). Vendor no. 1 is the payout benchmark's:
100,000 completed, paid, never paid-out bookings. Every other vendor has been paid out month
by month for its completed trips older than 30 days.

    python bench/generate.py --server-url postgresql://postgres@127.0.0.1:5432/test

creates (or, with --recreate, replaces) the database `travellr_bench` (`--database`) on that
server, migrates it and loads it. `--bookings N` scales every count with N (the smoke test
loads 2,000). Ids are md5-derived, so `vendor_id(1)` names the payout vendor. The ledger and
the outbox are left empty: nothing benchmarked reads them.
"""

from __future__ import annotations

import argparse
import hashlib
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from travellr.infrastructure.db.migrate import upgrade
from travellr.infrastructure.security.passwords import BcryptPasswordHasher

DATABASE = "travellr_bench"
ADMIN_EMAIL = "admin@bench.test"
PASSWORD = "bench-password-123"  # noqa: S105 (benchmark data only)
BOOKINGS = 1_000_000
SMALLEST = 1_000
DAYS, TRIP_DAYS = 730, 790  # bookings over two years; trips start up to 60 days ahead


@dataclass(frozen=True)
class Sizes:
    """Every count follows the bookings: at 1,000,000, 1,000 vendors, 100,000 travellers,
    20,000 trips and 100,000 bookings of vendor no. 1 to pay out."""

    bookings: int = BOOKINGS

    def __post_init__(self) -> None:
        if self.bookings < SMALLEST:
            raise ValueError(f"at least {SMALLEST:,} bookings")

    @property
    def vendors(self) -> int:
        return max(2, self.bookings // 1000)

    @property
    def travellers(self) -> int:
        return self.bookings // 10

    @property
    def big_vendor_bookings(self) -> int:
        return self.bookings // 10

    @property
    def trips(self) -> int:
        # Vendor no. 1's bookings go to trips vendors x 1..18, which must exist; the shift of
        # another vendor's booking off those trips (k + 1) must stay below the last trip.
        trips = max(self.bookings // 50, 19 * self.vendors)
        return trips + 1 if (trips - 1) % self.vendors == 0 else trips


def vendor_id(n: int) -> uuid.UUID:
    return uuid.UUID(hashlib.md5(f"vendor{n}".encode()).hexdigest())  # noqa: S324 (an id)


def bench_url(server_url: str, database: str = DATABASE) -> str:
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    return url.set(database=database).render_as_string(hide_password=False)


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    print(f"  {name:<44} {time.perf_counter() - started:7.1f} s", flush=True)


def create_database(server_url: str, database: str = DATABASE, *, recreate: bool) -> str:
    admin = create_engine(bench_url(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}
        )
        if exists and recreate:
            connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
        if not exists or recreate:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = bench_url(server_url, database)
    upgrade(url)
    return url


SETUP = """
CREATE TEMP TABLE params AS SELECT
    date_trunc('second', now()) AS now,
    date_trunc('second', now()) - interval '{days} days' AS t0;

ANALYZE params
"""

USERS = """
INSERT INTO users (id, email, password_hash, name, phone, role, is_active, created_at, updated_at)
SELECT md5('admin')::uuid, '{admin}', :hash, 'Bench Admin', NULL, 'admin', true, t0, t0 FROM params
UNION ALL
SELECT md5('vendor' || v)::uuid, 'vendor' || v || '@bench.test', :hash, 'Vendor ' || v, NULL,
       'vendor', true, t0 - interval '30 days' + v * interval '1 minute', t0
FROM params, generate_series(1, {vendors}) AS v
UNION ALL
SELECT md5('traveller' || u)::uuid, 'traveller' || u || '@bench.test', :hash, 'Traveller ' || u,
       NULL, 'traveler', u % 50 <> 0, t0 + random() * (now - t0), now
FROM params, generate_series(1, {travellers}) AS u
"""

TRIPS_SQL = """
INSERT INTO trips (id, vendor_id, title, description, destination, start_at, end_at, price,
                   currency, capacity, seats_taken, status, created_at, updated_at)
SELECT md5('trip' || k)::uuid, md5('vendor' || (k % {vendors} + 1))::uuid, 'Trip ' || k, NULL,
       'City ' || (k % 500), t0 + k * interval '{step} seconds', NULL, 5000 + (k * 7919) % 45000,
       'USD', 10000, 0, 'active', t0 - interval '90 days', t0 - interval '90 days'
FROM params, generate_series(0, {trips} - 1) AS k
"""

# One staging row per booking: which trip, when, what became of it, what was paid and refunded.
# The tables are then filled in time order, as an append-only production table would be: the
# physical order of the rows follows created_at, which range scans on time depend on.
STAGE = """
CREATE UNLOGGED TABLE bench_bookings AS
WITH base AS (
    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
           1 + floor(random() * {travellers})::int AS u,
           CASE WHEN i <= {big} THEN 1 ELSE 1 + floor(random() * 3)::int END AS seats
    FROM generate_series(1, {bookings}) AS i
), placed AS (
    SELECT base.*,
           CASE WHEN i <= {big} THEN {vendors} * (1 + i % 18)
                ELSE least({trips} - 1, floor((r1 * {days} + 1 + r2 * 59) / {trip_days}
                                               * {trips})::int) END AS k0
    FROM base
), timed AS (
    SELECT placed.*, k0 + (k0 % {vendors} = 0 AND i > {big})::int AS k, params.now, params.t0
    FROM placed, params
), dated AS (
    SELECT timed.*, t0 + k * interval '{step} seconds' AS trip_date,
           (5000 + (k * 7919) % 45000) * seats AS total,
           CASE WHEN i <= {big}
                THEN t0 + k * interval '{step} seconds' - (1 + r2 * 29) * interval '1 day'
                ELSE t0 + r1 * (now - t0) END AS created_at
    FROM timed
), decided AS (
    SELECT dated.*,
           CASE WHEN i <= {big} THEN 'completed'
                WHEN trip_date < now THEN CASE WHEN r3 < 0.85 THEN 'completed'
                                               WHEN r3 < 0.95 THEN 'cancelled' ELSE 'expired' END
                ELSE CASE WHEN r3 < 0.70 THEN 'confirmed' WHEN r3 < 0.80 THEN 'pending'
                          WHEN r3 < 0.95 THEN 'cancelled' ELSE 'expired' END
           END AS status
    FROM dated
)
SELECT i, gen_random_uuid() AS id, gen_random_uuid() AS payment_id,
       gen_random_uuid() AS refund_id, md5('traveller' || u)::uuid AS user_id,
       md5('vendor' || (k % {vendors} + 1))::uuid AS vendor_id, md5('trip' || k)::uuid AS trip_id,
       k, trip_date, seats, total, status, created_at,
       status IN ('confirmed', 'completed') OR (status = 'cancelled' AND r4 < 0.6) AS paid,
       CASE WHEN status = 'cancelled'
            THEN least(now, created_at + (greatest(trip_date, created_at) - created_at) * r4)
       END AS cancelled_at,
       CASE WHEN status = 'cancelled' AND r4 < 0.3 THEN total
            WHEN status = 'cancelled' AND r4 < 0.6 THEN total / 2
            WHEN status = 'cancelled' THEN 0 END AS refund
FROM decided
"""

BOOKINGS_SQL = """
INSERT INTO bookings (id, user_id, vendor_id, trip_id, trip_date, seats, total_price, currency,
                      status, notes, refund_amount, cancelled_at, cancelled_by, cancel_reason,
                      expires_at, created_at, updated_at)
SELECT id, user_id, vendor_id, trip_id, trip_date, seats, total, 'USD', status, NULL, refund,
       cancelled_at, CASE WHEN cancelled_at IS NOT NULL THEN user_id END, NULL,
       created_at + interval '30 minutes', created_at, coalesce(cancelled_at, created_at)
FROM bench_bookings ORDER BY created_at
"""

PAYMENTS_SQL = """
INSERT INTO payments (id, booking_id, user_id, vendor_id, amount, currency, status,
                      amount_refunded, provider, provider_ref, failure_message, paid_at,
                      created_at, updated_at)
SELECT payment_id, id, user_id, vendor_id, total, 'USD',
       CASE WHEN coalesce(refund, 0) = 0 THEN 'succeeded'
            WHEN refund = total THEN 'refunded' ELSE 'partially_refunded' END,
       coalesce(refund, 0), 'mock', 'pi_mock_' || i, NULL,
       created_at + interval '2 minutes', created_at, coalesce(cancelled_at, created_at)
FROM bench_bookings WHERE paid ORDER BY created_at
"""

REFUNDS_SQL = """
INSERT INTO refunds (id, payment_id, booking_id, amount, currency, status, reason, provider_ref,
                     created_at)
SELECT refund_id, payment_id, id, refund, 'USD', 'succeeded', NULL, 're_mock_' || i,
       cancelled_at
FROM bench_bookings WHERE paid AND refund > 0 ORDER BY cancelled_at
"""

# Every vendor but no. 1 is paid monthly for its completed trips older than 30 days.
PAYOUTS_SQL = """
CREATE UNLOGGED TABLE bench_payouts AS
SELECT gen_random_uuid() AS id, vendor_id, date_trunc('month', trip_date)::date AS month,
       sum(total) AS gross, count(*) AS booking_count
FROM bench_bookings, params
WHERE status = 'completed' AND vendor_id <> md5('vendor1')::uuid
  AND trip_date < params.now - interval '30 days'
GROUP BY vendor_id, date_trunc('month', trip_date);

INSERT INTO payouts (id, vendor_id, period_start, period_end, gross_amount, refunded_amount,
                     adjustment_amount, vendor_amount, platform_fee, booking_count, currency,
                     status, provider_ref, created_at, updated_at)
SELECT id, vendor_id, month, (month + interval '1 month - 1 day')::date, gross, 0, 0,
       round(gross * 0.8), gross - round(gross * 0.8), booking_count, 'USD', 'paid',
       'tr_mock_' || id, month + interval '1 month 5 days', month + interval '1 month 5 days'
FROM bench_payouts;

INSERT INTO payout_items (booking_id, payout_id)
SELECT b.id, p.id
FROM bench_bookings AS b, bench_payouts AS p, params
WHERE b.status = 'completed' AND b.vendor_id = p.vendor_id
  AND date_trunc('month', b.trip_date)::date = p.month
  AND b.trip_date < params.now - interval '30 days'
"""

SEATS_SQL = """
UPDATE trips SET seats_taken = held.seats
FROM (SELECT trip_id, sum(seats) AS seats FROM bench_bookings
      WHERE status IN ('pending', 'confirmed', 'completed') GROUP BY trip_id) AS held
WHERE trips.id = held.trip_id
"""


def load(connection: Connection, counts: Sizes) -> None:
    sizes = {
        "admin": ADMIN_EMAIL,
        "vendors": counts.vendors,
        "travellers": counts.travellers,
        "trips": counts.trips,
        "bookings": counts.bookings,
        "big": counts.big_vendor_bookings,
        "days": DAYS,
        "trip_days": TRIP_DAYS,
        "step": TRIP_DAYS * 86400 // counts.trips,
    }
    password_hash = BcryptPasswordHasher(rounds=4).hash(PASSWORD)  # as the app checks it
    for statement in SETUP.format(**sizes).split(";\n"):
        # Analysed, the one row of params is planned as one: unknown, the planner took it for
        # ~1,850 and put even 2,000 bookings through 7 s of JIT compilation.
        connection.execute(text(statement))
    with step(f"users ({counts.vendors:,} vendors, {counts.travellers:,} travellers)"):
        connection.execute(text(USERS.format(**sizes)), {"hash": password_hash})
    with step(f"trips ({counts.trips:,})"):
        connection.execute(text(TRIPS_SQL.format(**sizes)))
    with step("staging the bookings"):
        connection.execute(text(STAGE.format(**sizes)))
    for name, sql in (
        (f"bookings ({counts.bookings:,})", BOOKINGS_SQL),
        ("payments", PAYMENTS_SQL),
        ("refunds", REFUNDS_SQL),
        ("payouts and payout items", PAYOUTS_SQL),
        ("seats taken", SEATS_SQL),
    ):
        with step(name):
            for statement in sql.split(";\n"):
                connection.execute(text(statement))
    connection.execute(text("DROP TABLE bench_bookings, bench_payouts"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default=DATABASE, help="the database to fill")
    parser.add_argument("--bookings", type=int, default=BOOKINGS, help="every count scales")
    parser.add_argument("--recreate", action="store_true", help="drop and recreate the database")
    args = parser.parse_args()
    if args.bookings < SMALLEST:
        parser.error(f"--bookings: at least {SMALLEST:,}")
    started = time.perf_counter()
    print(f"generating into {args.database} at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    with step("database created and migrated"):
        url = create_database(args.server_url, args.database, recreate=args.recreate)
    engine = create_engine(url)
    with engine.begin() as connection:
        if connection.scalar(text("SELECT count(*) FROM bookings")):
            raise SystemExit(f"{args.database} already holds bookings: pass --recreate")
        load(connection, Sizes(args.bookings))
    with step("VACUUM ANALYZE"), engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with engine.connect() as connection:
        for table in ("users", "trips", "bookings", "payments", "refunds", "payouts"):
            count = connection.scalar(text(f"SELECT count(*) FROM {table}"))
            print(f"  {table:<10} {count:>10,}")
    engine.dispose()
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
