"""The same load for both apps: wrk driven by a generated Lua script, or a Python fallback."""

from __future__ import annotations

import http.client
import math
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Target:
    """Requests taken round-robin: the n-th uses paths[n % len], auths[n % len], bodies[...]."""

    method: str
    paths: list[str]
    auths: list[str] = field(default_factory=list)  # whole Authorization header values
    bodies: list[str] = field(default_factory=list)  # JSON texts

    def request(self, n: int) -> tuple[str, dict[str, str], str | None]:
        headers = {}
        if self.auths:
            headers["Authorization"] = self.auths[n % len(self.auths)]
        body = self.bodies[n % len(self.bodies)] if self.bodies else None
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.paths[n % len(self.paths)], headers, body


@dataclass(frozen=True)
class Measured:
    """One measurement: requests per second, failed requests (non-2xx/3xx answers, socket
    errors and timeouts), and the 50th and 99th percentiles of the answers' latency."""

    rate: float
    failures: int
    p50_ms: float
    p99_ms: float


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _lua_table(values: list[str]) -> str:
    return "{" + ",".join(_lua_string(v) for v in values) + "}"


LUA = """
local method = %(method)s
local paths = %(paths)s
local auths = %(auths)s
local bodies = %(bodies)s
local n = 0
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
end

function init(args)
  n = tonumber(offset) or 0
end

function request()
  n = n + 1
  local headers = {}
  local body = nil
  if #auths > 0 then headers["Authorization"] = auths[(n %% #auths) + 1] end
  if #bodies > 0 then
    headers["Content-Type"] = "application/json"
    body = bodies[(n %% #bodies) + 1]
  end
  return wrk.format(method, paths[(n %% #paths) + 1], headers, body)
end
"""


def wrk_script(target: Target) -> str:
    return LUA % {
        "method": _lua_string(target.method),
        "paths": _lua_table(target.paths),
        "auths": _lua_table(target.auths),
        "bodies": _lua_table(target.bodies),
    }


def wrk_load(base: str, target: Target, seconds: int, connections: int, threads: int) -> Measured:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(target))
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                script.name,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script.name).unlink()
    out = completed.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise RuntimeError(f"wrk printed no rate:\n{out}\n{completed.stderr}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    failures = sum(int(m.group(1)) for m in (non_2xx, timeouts) if m)
    return Measured(
        float(rate.group(1)), failures, _wrk_percentile(out, 50), _wrk_percentile(out, 99)
    )


def _wrk_percentile(out: str, percent: int) -> float:
    """A percentile of wrk's `--latency` distribution ("     99%   12.34ms"), in milliseconds."""
    found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)[ \t]*$", out, re.M)
    if found is None:
        raise RuntimeError(f"wrk printed no {percent}th percentile:\n{out}")
    return float(found.group(1)) * _UNITS_MS[found.group(2)]


def python_load(base: str, target: Target, seconds: int, connections: int) -> Measured:
    """`connections` threads, each one keep-alive connection, for `seconds`."""
    parts = urlsplit(base)
    deadline = time.monotonic() + seconds
    counts = [0] * connections
    failures = [0] * connections
    latencies: list[list[float]] = [[] for _ in range(connections)]

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
        n = index * 7919
        while time.monotonic() < deadline:
            path, headers, body = target.request(n)
            n += 1
            sent = time.perf_counter()
            try:
                connection.request(target.method, path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.will_close:
                    connection.close()
            except (OSError, http.client.HTTPException):
                connection.close()
                failures[index] += 1
                continue
            latencies[index].append((time.perf_counter() - sent) * 1000)
            counts[index] += 1
            if response.status >= 400:
                failures[index] += 1
        connection.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    rate = sum(counts) / (time.monotonic() - started)
    answered = sorted(ms for thread in latencies for ms in thread)
    return Measured(rate, sum(failures), _percentile(answered, 50), _percentile(answered, 99))


def _percentile(ordered: list[float], percent: int) -> float:
    """The nearest-rank percentile of sorted values (NaN for none), as wrk reports it."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]
