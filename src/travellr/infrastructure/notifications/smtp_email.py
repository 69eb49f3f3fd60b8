"""Email over SMTP: one multipart/alternative message (plain text and HTML) per send."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from travellr.application.ports.notifications import PermanentDeliveryError, RetryableDeliveryError


class SmtpEmailSender:
    """A connection per message (notifications are few; no idle connection to go stale).

    SMTP 5xx (a refused recipient or sender, failed authentication) is permanent; 4xx, a refused
    connection, a timeout or a broken connection are retryable.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "travellr.invalid"
        self._credentials = (username, password) if username and password else None
        self._starttls = starttls
        self._timeout = timeout_seconds

    def send(self, to: str, subject: str, text: str, html: str, *, message_key: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        # The same (event, recipient, channel) always gets the same id: a repeat after a
        # crash is recognisable as the same message.
        message["Message-ID"] = f"<{message_key}@{self._domain}>"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        try:
            self._deliver(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            kind = PermanentDeliveryError if min(codes) >= 500 else RetryableDeliveryError
            raise kind(f"SMTP refused the recipient: {_replies(exc.recipients)}") from exc
        except smtplib.SMTPResponseException as exc:
            kind = PermanentDeliveryError if exc.smtp_code >= 500 else RetryableDeliveryError
            raise kind(f"SMTP answered {exc.smtp_code}: {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise RetryableDeliveryError(f"SMTP failed: {type(exc).__name__}: {exc}") from exc

    def _deliver(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._credentials:
                smtp.login(*self._credentials)
            smtp.send_message(message)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _replies(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {_text(reply)}" for code, reply in recipients.values())
