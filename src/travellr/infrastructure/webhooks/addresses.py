"""Name resolution for webhook URLs: every address a host has, as the system resolver says."""

from __future__ import annotations

import ipaddress
import socket

from travellr.domain.webhooks import IPAddress


class SystemResolver:
    def resolve(self, host: str, port: int) -> list[IPAddress]:
        # getaddrinfo reads "2130706433", "0x7f.1" and "localhost." as the resolver would when
        # connecting, which is the point: the check sees what a connection would reach.
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return []
        found: dict[IPAddress, None] = {}
        for _family, _type, _proto, _name, sockaddr in infos:
            found.setdefault(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]), None)
        return list(found)
