"""What checking a pooled connection at checkout costs: none, the poll() check, pool_pre_ping.

Three engines on one PostgreSQL server differ only in how their pools check a connection at
checkout; batches of "check out, SELECT 1, check in" alternate between them, and each figure
is the least time per checkout over the batches (the steadiest measure on a shared machine).
A request checks out twice (the token check, then its own work).
Run: python bench/pool_liveness.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Engine, create_engine, event, text

from travellr.infrastructure.db.engine import _drop_if_closed_by_server

KINDS = ("none", "poll", "pre_ping")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--checkouts", type=int, default=1000)
    args = parser.parse_args()
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engines = {kind: _engine(url, kind) for kind in KINDS}
    query = text("SELECT 1")
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    for batch in range(args.batches + 1):  # the first batch warms up and is not counted
        for kind, engine in engines.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(args.checkouts):
                with engine.connect() as connection:
                    connection.execute(query)
            if batch:
                spent = (time.process_time() - started_cpu) / args.checkouts * 1e6
                cpu[kind] = min(cpu.get(kind, spent), spent)
                spent = (time.perf_counter() - started) / args.checkouts * 1e6
                wall[kind] = min(wall.get(kind, spent), spent)
    print(f"checkout + SELECT 1, least of {args.batches} batches of {args.checkouts} (us)")
    for kind in KINDS:
        extra = f"  (+{cpu[kind] - cpu['none']:.0f} CPU, +{wall[kind] - wall['none']:.0f} wall)"
        print(f"  {kind:<9} CPU {cpu[kind]:6.0f}  wall {wall[kind]:6.0f}{extra}")
    for engine in engines.values():
        engine.dispose()


def _engine(url: str, kind: str) -> Engine:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=kind == "pre_ping")
    if kind == "poll":
        event.listen(engine, "checkout", _drop_if_closed_by_server)
    return engine


if __name__ == "__main__":
    main()
