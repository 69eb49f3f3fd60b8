"""`travellr serve` in development listens on loopback only; HOST opens it to the network."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from tests.support.server import SERVE, ServerProcess, travellr_env

pytestmark = pytest.mark.slow


def _this_machines_network_address() -> str:
    """The address this machine would send from to another host (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only the route is looked up
        except OSError:
            pytest.skip("this machine has no network address besides loopback")
        address = str(probe.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("this machine has no network address besides loopback")
    return address


def _answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def _development_server(tmp_path: Path, sqlite_template: Path, **env: str) -> ServerProcess:
    database = tmp_path / "travellr.db"
    shutil.copy(sqlite_template, database)
    extra = {"TRAVELLR_ENV": "development", "PORT": "{port}", **env}
    environment = travellr_env(f"sqlite:///{database}", extra)
    command = [*SERVE, "--workers", "1"]  # no --host: the settings decide
    server = ServerProcess(command, env=environment, log_path=tmp_path / "serve.log", workers=1)
    server.env["PORT"] = str(server.port)
    return server


def test_the_development_server_is_not_reachable_from_the_network(
    tmp_path: Path, sqlite_template: Path
) -> None:
    address = _this_machines_network_address()

    with _development_server(tmp_path, sqlite_template) as server:
        assert _answers("127.0.0.1", server.port)
        assert not _answers(address, server.port)


def test_host_opens_it_to_the_network(tmp_path: Path, sqlite_template: Path) -> None:
    """The check above can see a reachable server: with HOST=0.0.0.0 it answers there."""
    address = _this_machines_network_address()

    with _development_server(tmp_path, sqlite_template, HOST="0.0.0.0") as server:  # noqa: S104
        assert _answers(address, server.port)
