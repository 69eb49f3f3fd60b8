"""A real HTTP server on 127.0.0.1 in a thread, recording the webhooks it receives.

It answers each request with the next status of `statuses` (the last one repeats), so a test
can have it fail a few times and then accept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address

from travellr.domain.webhooks import IPAddress
from travellr.infrastructure.webhooks.addresses import SystemResolver


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: str


class Receiver:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self.received: list[Received] = []
        self.statuses: list[int] = [200]
        self.answer_body = b"ok"
        self.hang = False  # hold every answer until the receiver stops
        self.pause = 0.0  # seconds each answer waits (a worker can be killed mid-send)
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            headers = {name.lower(): value for name, value in self.headers.items()}
            with receiver.lock:
                receiver.received.append(Received(self.path, headers, body))
            if receiver.hang:
                receiver.stopping.wait(30)
            elif receiver.pause:
                receiver.stopping.wait(receiver.pause)
            status = receiver.next_status()
            self.send_response(status)
            self.send_header("Content-Length", str(len(receiver.answer_body)))
            if 300 <= status < 400:
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.end_headers()
            self.wfile.write(receiver.answer_body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class KnownHosts:
    """A resolver (the AddressResolver port) that knows some names, and asks the system for
    the rest: the test machine has no DNS, and a name must resolve to register it."""

    def __init__(self, hosts: dict[str, list[str]]) -> None:
        self._hosts = {name: [ip_address(ip) for ip in ips] for name, ips in hosts.items()}
        self._system = SystemResolver()

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        if host in self._hosts:
            return list(self._hosts[host])
        return self._system.resolve(host, port)


PUBLIC_HOSTS = KnownHosts(
    {"hooks.example.com": ["93.184.215.14"], "internal.example.com": ["10.1.2.3"]}
)
