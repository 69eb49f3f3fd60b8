"""Where a Travellr request's time goes: each benchmarked path in-process, under pyinstrument.

No HTTP server and no load generator: the Flask test client calls the app, so the figures are
the app's own cost per request (plus the database round trips), next to the reference app's.
The profiles need `pip install pyinstrument`; without it only the costs are printed. run.py
calls it with --profile.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import reference_app

from travellr.app import create_app
from travellr.config import Environment, RateLimit, Settings

REQUESTS = 300


def profile_paths(
    url: str, secret: str, seeded: Any, workdir: Path, requests: int = REQUESTS
) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n--profile: pyinstrument is not installed (pip install pyinstrument): costs only")
        Profiler = None  # noqa: N806
    settings = Settings(
        environment=Environment.PRODUCTION,
        secret_key=secret,
        database_url=url,
        bcrypt_rounds=4,
        rate_limit_login=RateLimit(1000000, 60),
        rate_limit_register=RateLimit(1000000, 60),
        log_level="WARNING",
    )
    travellr = create_app(settings).test_client()
    reference = reference_app.create_app(url).test_client()
    token, booking_id = seeded.bookings[0]
    auth = {"Authorization": f"Bearer {token}"}
    trip = seeded.trip_ids[0]
    paths: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
        "book": (
            lambda: travellr.post("/api/v1/bookings", json={"trip_id": trip}, headers=auth),
            lambda: reference.post("/bookings", json={"trip_id": seeded.ref_trip_ids[0]}),
        ),
        "book_and_pay": (
            lambda: travellr.post(
                "/api/v1/bookings",
                json={"trip_id": trip, "payment_method": "pm_card_visa"},
                headers=auth,
            ),
            lambda: reference.post("/bookings", json={"trip_id": seeded.ref_trip_ids[0]}),
        ),
        "get_booking": (
            lambda: travellr.get(f"/api/v1/bookings/{booking_id}", headers=auth),
            lambda: reference.get(f"/bookings/{seeded.ref_booking_ids[0]}"),
        ),
        "list_trips": (
            lambda: travellr.get("/api/v1/trips"),
            lambda: reference.get("/trips"),
        ),
    }
    print(f"\nin-process cost per request ({requests} requests, Flask test client)")
    for name, (ours, theirs) in paths.items():
        _check(ours())
        _check(theirs())
        reference_ms = _mean_ms(theirs, requests)
        if Profiler is None:
            travellr_ms = _mean_ms(ours, requests)
            print(f"  {name:<13} travellr {travellr_ms:6.2f} ms   reference {reference_ms:6.2f} ms")
            continue
        profiler = Profiler(interval=0.0005)
        profiler.start()
        travellr_ms = _mean_ms(ours, requests)
        profiler.stop()
        tree = workdir / f"profile-{name}.txt"
        tree.write_text(profiler.output_text(unicode=True, show_all=False))
        flat = profiler.output_text(unicode=True, flat=True)
        print(f"  {name:<13} travellr {travellr_ms:6.2f} ms   reference {reference_ms:6.2f} ms")
        print("    hottest frames (self time):")
        for line in [ln for ln in flat.splitlines() if ln.strip()][3:13]:
            print(f"      {line.strip()[:110]}")
        print(f"    call tree: {tree}")


def _check(response: Any) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.status_code}: {json.dumps(response.get_json())}")


def _mean_ms(call: Callable[[], Any], requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        _check(call())
    return (time.perf_counter() - started) * 1000 / requests
