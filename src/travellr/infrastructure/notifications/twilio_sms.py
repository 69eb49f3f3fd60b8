"""SMS through Twilio's Messages API."""

from __future__ import annotations

import requests

from travellr.infrastructure.notifications.http import post, refuse

DEFAULT_API_BASE = "https://api.twilio.com"


class TwilioSmsSender:
    """POST /2010-04-01/Accounts/{sid}/Messages.json (form fields To, From, Body; basic auth).

    A network error, a timeout, 429 or 5xx is retryable; any other 4xx (an invalid or
    unsubscribed number, a bad sender) is permanent.
    """

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._url = f"{api_base.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._from = from_number
        self._timeout = timeout_seconds
        self._session = requests.Session()
        self._session.auth = (account_sid, auth_token)

    def send(self, to_phone: str, text: str) -> None:
        response = post(
            self._session,
            self._url,
            provider="Twilio",
            timeout=self._timeout,
            data={"To": to_phone, "From": self._from, "Body": text},
        )
        refuse("Twilio", response)
