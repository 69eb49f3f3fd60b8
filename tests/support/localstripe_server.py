"""Run localstripe on 127.0.0.1 with its data in memory, in a subprocess.

localstripe's own command listens on every interface and pickles its store to
/tmp/localstripe.pickle on every write, so parallel runs would share (and race on) one file.
Here the child binds a free loopback port itself, reports it on stdout, and serves with the
store's disk methods turned into no-ops. It also accepts `allowed_payment_method_types`,
which replaced `payment_method_types` in the API version the stripe SDK pins and which
localstripe 1.15 does not know yet. It runs in a subprocess because aiohttp and localstripe
emit DeprecationWarnings that pytest (`filterwarnings = error`) would turn into failures.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import requests

STARTUP_SECONDS = 20.0


@contextmanager
def running_localstripe() -> Iterator[str]:
    """Start localstripe, wait until it answers, yield its base URL and stop it afterwards."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        try:
            base_url = _wait_until_answering(child, errors)
            yield base_url
        finally:
            child.terminate()
            try:
                child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            assert child.stdout is not None
            child.stdout.close()


def _wait_until_answering(child: subprocess.Popen[bytes], errors: IO[bytes]) -> str:
    assert child.stdout is not None
    line = child.stdout.readline().decode().strip()
    if not line.isdigit():
        raise RuntimeError(f"localstripe did not start:\n{_read(errors)}")
    base_url = f"http://127.0.0.1:{line}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"localstripe exited with {child.returncode}:\n{_read(errors)}")
        try:
            requests.get(f"{base_url}/v1/balance", timeout=1)  # any HTTP answer, even 401
        except requests.ConnectionError:
            time.sleep(0.05)
        else:
            return base_url
    raise RuntimeError(f"localstripe did not answer within {STARTUP_SECONDS}s")


def _read(errors: IO[bytes]) -> str:
    errors.seek(0)
    return errors.read().decode(errors="replace")


def _serve() -> None:
    """The child: bind a free loopback port, print it, then serve localstripe from memory."""
    from aiohttp import web
    from localstripe import resources

    resources.Store.try_load_from_disk = lambda self: None
    resources.Store.dump_to_disk = lambda self: None
    _accept_allowed_payment_method_types(resources.PaymentIntent)
    from localstripe.server import app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # nobody reads stdout any more: never block on it
    web.run_app(app, sock=listener, print=None, access_log=None)


def _accept_allowed_payment_method_types(payment_intent: Any) -> None:
    """Teach localstripe 1.15 the name Stripe's API uses since 2026-09-30 for card-only intents."""
    original = payment_intent.__init__

    def accepting(
        self: object, *args: object, allowed_payment_method_types: object = None, **kwargs: object
    ) -> None:
        kwargs.setdefault("payment_method_types", allowed_payment_method_types)
        original(self, *args, **kwargs)

    payment_intent.__init__ = accepting


if __name__ == "__main__":
    _serve()
