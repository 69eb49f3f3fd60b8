"""Outgoing webhooks: the event types integrators subscribe to, which URLs they may register,
which addresses a delivery may reach, and when a failed delivery is tried again."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from travellr.domain.errors import RuleViolated

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PING = "ping"
EVERY_EVENT = "*"
EVENT_TYPES = (
    "booking.created",
    "booking.confirmed",
    "booking.cancelled",
    "booking.expired",
    "booking.completed",
    "payment.succeeded",
    "payment.failed",
    "payment.refunded",
    "payout.paid",
    "trip.updated",
    PING,
)
# The outbox's event names that integrators see under another name.
_PUBLIC_NAMES = {"payment.processed": "payment.succeeded", "vendor.paid_out": "payout.paid"}
INTERNAL_NAMES = {public: internal for internal, public in _PUBLIC_NAMES.items()}

MAX_ENDPOINTS_PER_OWNER = 20
MAX_URL_LENGTH = 2048
# After the first attempt fails, the next ones wait this long; after the last, it has failed.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DISABLE_AFTER = timedelta(days=3)  # an endpoint failing every delivery this long is disabled
SEND_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class TooManyEndpoints(RuleViolated):
    code = "too_many_endpoints"
    title = "Too many webhook endpoints"


class RefusedUrl(RuleViolated):
    code = "invalid_url"
    title = "The URL cannot receive webhooks"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors={"url": [detail]})


class UnknownEventTypes(RuleViolated):
    code = "unknown_event_types"
    title = "Unknown event types"


def public_event_type(internal_name: str) -> str | None:
    """The type integrators see for an outbox event, or None if they never see it."""
    name = _PUBLIC_NAMES.get(internal_name, internal_name)
    return name if name in EVENT_TYPES and name != PING else None


def check_event_types(events: Iterable[str]) -> list[str]:
    """The list, without repeats; `["*"]` alone means every event."""
    chosen = list(dict.fromkeys(events))
    unknown = [name for name in chosen if name not in (*EVENT_TYPES, EVERY_EVENT)]
    if unknown:
        raise UnknownEventTypes(
            "unknown event types: " + ", ".join(unknown),
            errors={"events": [f"Unknown event type: {name}." for name in unknown]},
        )
    if not chosen:
        raise RuleViolated("events is empty", errors={"events": ["Choose at least one event."]})
    return [EVERY_EVENT] if EVERY_EVENT in chosen else chosen


def subscribes_to(events: Iterable[str], event_type: str) -> bool:
    chosen = set(events)
    return EVERY_EVENT in chosen or event_type in chosen


@dataclass(frozen=True)
class Target:
    """Where a URL points: what to connect to, and what to call the host (Host, TLS SNI)."""

    scheme: str
    host: str
    port: int
    path: str


def parse_url(url: str, *, allow_http: bool) -> Target:
    """Check a URL's form (not yet where it points); RefusedUrl naming `url` otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedUrl(f"Must be at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedUrl("Must be a valid URL.") from exc
    if parts.scheme not in ("https", "http"):
        raise RefusedUrl("Must be an https:// URL.")
    if parts.scheme == "http" and not allow_http:
        raise RefusedUrl("Must be an https:// URL (http:// is refused in production).")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise RefusedUrl("Must not contain credentials.")
    if not parts.hostname or any(ord(c) < 33 for c in url):
        raise RefusedUrl("Must be a valid URL with a host.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default_port = 443 if parts.scheme == "https" else 80
    host = parts.hostname.rstrip(".")  # "localhost." is "localhost"
    if not host:
        raise RefusedUrl("Must be a valid URL with a host.")
    return Target(parts.scheme, host, port or default_port, path)


def refused_address(address: IPAddress) -> bool:
    """True for every address that is not a public unicast one: loopback, private, link-local,
    multicast, reserved, unspecified, shared, documentation..., IPv4-mapped ones included."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_multicast or not address.is_global


def check_addresses(host: str, addresses: list[IPAddress], *, allow_private: bool) -> IPAddress:
    """The address to connect to, if every address the host resolves to may be reached."""
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise RefusedUrl(f"The host {host} is this machine.")
    if not addresses:
        raise RefusedUrl(f"The host {host} does not resolve.")
    refused = [str(a) for a in addresses if refused_address(a)]
    if refused and not allow_private:
        raise RefusedUrl(
            f"The host {host} resolves to an address that is not public ({refused[0]})."
        )
    return addresses[0]


def next_attempt_delay(attempts: int) -> timedelta | None:
    """How long after the `attempts`-th failed attempt the next one is made (None: give up)."""
    if 1 <= attempts <= len(RETRY_DELAYS):
        return RETRY_DELAYS[attempts - 1]
    return None
