"""Senders that only log each message as one JSON line: the defaults, for development."""

from __future__ import annotations

import json
import logging

log = logging.getLogger("travellr.notifications.console")


def _log(channel: str, **fields: object) -> None:
    log.info(json.dumps({"channel": channel, **fields}, ensure_ascii=False))


class ConsoleEmailSender:
    def send(self, to: str, subject: str, text: str, html: str, *, message_key: str) -> None:
        _log("email", to=to, subject=subject, text=text, message_key=message_key)


class ConsoleSmsSender:
    def send(self, to_phone: str, text: str) -> None:
        _log("sms", to=to_phone, text=text)


class ConsolePushSender:
    def send(self, device_token: str, title: str, body: str, data: dict[str, str]) -> None:
        _log("push", to=device_token, title=title, body=body, data=data)
