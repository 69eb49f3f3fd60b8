"""The poster against real servers on 127.0.0.1: over TLS it connects to the address it was
given while naming the host (SNI, certificate check), and over HTTP it sends `Host`."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from travellr.domain.webhooks import Target
from travellr.infrastructure.webhooks.poster import Urllib3Poster

LOOPBACK = ipaddress.ip_address("127.0.0.1")


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Seen:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        self.server_names: list[str | None] = []


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path, _Seen]]:
    cert, key = _certificate(tmp_path, "hooks.example.com")
    seen = _Seen()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def record_name(_socket: ssl.SSLObject, name: str | None, _context: ssl.SSLContext) -> None:
        seen.server_names.append(name)

    context.sni_callback = record_name  # type: ignore[assignment]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert, seen
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_tls_goes_to_the_checked_address_under_the_endpoint_name(
    tls_server: tuple[int, Path, _Seen],
) -> None:
    port, cert, seen = tls_server
    poster = Urllib3Poster(timeout=5, ca_certs=str(cert))
    target = Target("https", "hooks.example.com", port, "/in")

    result = poster.post(target, LOOPBACK, b"{}", {"webhook-id": "x"})

    assert (result.status_code, result.error) == (204, None)
    assert seen.server_names == ["hooks.example.com"]
    assert seen.hosts == [f"hooks.example.com:{port}"]


def test_a_certificate_for_another_name_fails_the_attempt(
    tls_server: tuple[int, Path, _Seen],
) -> None:
    port, cert, _seen = tls_server
    poster = Urllib3Poster(timeout=5, ca_certs=str(cert))

    result = poster.post(Target("https", "other.example.com", port, "/"), LOOPBACK, b"{}", {})

    assert result.status_code is None
    assert result.error is not None
    assert "certificate" in result.error.lower() or "hostname" in result.error.lower()


def test_an_untrusted_certificate_fails_the_attempt(tls_server: tuple[int, Path, _Seen]) -> None:
    port, _cert, _seen = tls_server

    result = Urllib3Poster(timeout=5).post(
        Target("https", "hooks.example.com", port, "/"), LOOPBACK, b"{}", {}
    )

    assert result.status_code is None
    assert "certificate" in (result.error or "").lower()
