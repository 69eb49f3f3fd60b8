"""The SMTP adapter against a real SMTP server (aiosmtpd) on 127.0.0.1: what arrives, and how a
refused connection and the server's 4xx and 5xx replies are read."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.server import free_port
from travellr.application.ports.notifications import PermanentDeliveryError, RetryableDeliveryError
from travellr.infrastructure.notifications.smtp_email import SmtpEmailSender

SENDER = "Travellr <no-reply@travellr.example>"
REFUSED = {"gone@example.com": "550 5.1.1 No such mailbox", "full@example.com": "452 4.2.2 Full"}


class Mailbox:
    """Keeps every message it accepts; refuses the addresses in REFUSED with their reply."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in REFUSED:
            return REFUSED[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), cast(EmailMessage, parsed)))
        return "250 Message accepted for delivery"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mailer", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    # No TLS on a loopback test server, so AUTH is allowed without it here.
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    yield mailbox, port
    controller.stop()


def sender(port: int, **overrides: Any) -> SmtpEmailSender:
    options: dict[str, Any] = {"host": "127.0.0.1", "port": port, "sender": SENDER}
    options.update(starttls=False, timeout_seconds=5, **overrides)
    return SmtpEmailSender(**options)


def test_the_message_arrives_with_its_subject_and_both_parts(
    smtp_server: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp_server

    sender(port, username="mailer", password="s3cret").send(
        "ann@example.com",
        "Booking confirmed: Alps & Lakes",
        "Hello Ann,\n\nYou paid 150.00 USD.",
        "<p>Hello Ann,</p><p>You paid 150.00 USD.</p>",
        message_key="event-1.user-1.email",
    )

    [(recipients, message)] = mailbox.messages
    assert recipients == ["ann@example.com"]
    assert message["To"] == "ann@example.com"
    assert message["From"] == SENDER
    assert message["Subject"] == "Booking confirmed: Alps & Lakes"
    assert message["Message-ID"] == f"<event-1.user-1.email@{SENDER.rpartition('@')[2].strip('>')}>"
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part for part in message.iter_parts() if isinstance(part, EmailMessage))
    assert text.get_content_type() == "text/plain"
    assert text.get_content().replace("\r\n", "\n") == "Hello Ann,\n\nYou paid 150.00 USD.\n"
    assert html.get_content_type() == "text/html"
    assert html.get_content().strip() == "<p>Hello Ann,</p><p>You paid 150.00 USD.</p>"


def test_a_closed_port_is_retryable() -> None:
    with pytest.raises(RetryableDeliveryError, match="ConnectionRefusedError"):
        sender(free_port()).send("ann@example.com", "s", "t", "<p>h</p>", message_key="k")


def test_a_refused_mailbox_550_is_permanent(smtp_server: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp_server

    with pytest.raises(PermanentDeliveryError, match=r"550 5\.1\.1 No such mailbox"):
        sender(port).send("gone@example.com", "s", "t", "<p>h</p>", message_key="k")
    assert mailbox.messages == []


def test_a_temporary_4xx_refusal_is_retryable(smtp_server: tuple[Mailbox, int]) -> None:
    _mailbox, port = smtp_server

    with pytest.raises(RetryableDeliveryError, match="452"):
        sender(port).send("full@example.com", "s", "t", "<p>h</p>", message_key="k")


def test_wrong_credentials_are_permanent(smtp_server: tuple[Mailbox, int]) -> None:
    _mailbox, port = smtp_server

    with pytest.raises(PermanentDeliveryError, match="535"):
        sender(port, username="mailer", password="wrong").send(
            "ann@example.com", "s", "t", "h", message_key="k"
        )
