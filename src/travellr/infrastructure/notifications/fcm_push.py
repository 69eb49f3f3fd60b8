"""Push notifications through Firebase Cloud Messaging's HTTP v1 API."""

from __future__ import annotations

import requests

from travellr.application.ports.notifications import UnregisteredDevice
from travellr.infrastructure.notifications.http import describe, post, refuse

DEFAULT_API_BASE = "https://fcm.googleapis.com"


class FcmPushSender:
    """POST /v1/projects/{project_id}/messages:send with `Authorization: Bearer <token>`.

    The OAuth 2 access token is taken as given (FCM_ACCESS_TOKEN, valid for an hour): in
    production a service account mints it (google-auth's `service_account.Credentials` with the
    `https://www.googleapis.com/auth/firebase.messaging` scope) and something refreshes it.
    An UNREGISTERED answer raises UnregisteredDevice (the token is dead: forget it); any other
    4xx but 429 (INVALID_ARGUMENT, SENDER_ID_MISMATCH, a bad token) is permanent.
    """

    def __init__(
        self,
        *,
        project_id: str,
        access_token: str,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._url = f"{api_base.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._timeout = timeout_seconds
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {access_token}"

    def send(self, device_token: str, title: str, body: str, data: dict[str, str]) -> None:
        message = {
            "token": device_token,
            "notification": {"title": title, "body": body},
            "data": data,
        }
        response = post(
            self._session,
            self._url,
            provider="FCM",
            timeout=self._timeout,
            json={"message": message},
        )
        if _error_code(response) == "UNREGISTERED":
            raise UnregisteredDevice(describe("FCM", response))
        refuse("FCM", response)


def _error_code(response: requests.Response) -> str | None:
    """FCM's own error code, from `error.details[].errorCode` of a Google API error."""
    if response.ok:
        return None
    try:
        details = response.json()["error"]["details"]
        return next((str(d["errorCode"]) for d in details if "errorCode" in d), None)
    except (ValueError, KeyError, TypeError):
        return None
