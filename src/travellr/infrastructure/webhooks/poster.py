"""POSTs a webhook to the address that was checked, never to a second lookup of the name.

urllib3 connects to the IP while naming the host in `Host` and in TLS (SNI, certificate
check), follows no redirect, retries nothing, and the answer is read up to 64 KiB.
"""

from __future__ import annotations

from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, Timeout
from urllib3.exceptions import HTTPError

from travellr.application.ports.webhooks import PostResult
from travellr.domain.webhooks import (
    MAX_RESPONSE_BYTES,
    SEND_TIMEOUT_SECONDS,
    IPAddress,
    Target,
)

USER_AGENT = "Travellr-Webhooks/1"


class Urllib3Poster:
    def __init__(self, timeout: float = SEND_TIMEOUT_SECONDS, ca_certs: str | None = None) -> None:
        self._timeout = timeout
        self._ca_certs = ca_certs  # None: the system's certificate authorities

    def post(
        self, target: Target, address: IPAddress, body: bytes, headers: dict[str, str]
    ) -> PostResult:
        host_header = f"[{target.host}]" if ":" in target.host else target.host
        if target.port != (443 if target.scheme == "https" else 80):
            host_header += f":{target.port}"
        all_headers = {
            **headers,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Host": host_header,
        }
        pool = self._pool(target, address)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=all_headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                answer = response.read(MAX_RESPONSE_BYTES, decode_content=False)
            finally:
                response.release_conn()
                response.close()
        except (HTTPError, OSError) as exc:
            return PostResult(None, f"{type(exc).__name__}: {exc}")
        finally:
            pool.close()
        text = answer.decode("utf-8", errors="replace")
        return PostResult(response.status, None, text)

    def _pool(self, target: Target, address: IPAddress) -> HTTPConnectionPool:
        timeout = Timeout(total=self._timeout)
        if target.scheme == "https":
            return HTTPSConnectionPool(
                str(address),
                target.port,
                timeout=timeout,
                maxsize=1,
                server_hostname=target.host,
                assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED",
                ca_certs=self._ca_certs,
            )
        return HTTPConnectionPool(str(address), target.port, timeout=timeout, maxsize=1)
