"""Push notifications through Firebase Cloud Messaging's HTTP v1 API."""

from __future__ import annotations

import requests
from google.auth import exceptions as google_auth_errors
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account

from travellr.application.ports.notifications import RetryableDeliveryError, UnregisteredDevice
from travellr.config import ConfigError
from travellr.infrastructure.notifications.http import describe, post, refuse

DEFAULT_API_BASE = "https://fcm.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"


def service_account_credentials(path: str) -> Credentials:
    """A service account's credentials for FCM, from its JSON key file (FCM_CREDENTIALS_FILE).

    google-auth mints the OAuth 2 access token from them at the key's `token_uri`, and mints a
    new one before each expires."""
    try:
        credentials: Credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            path, scopes=[SCOPE]
        )
    except (OSError, ValueError) as exc:
        message = f"FCM_CREDENTIALS_FILE {path!r} is not a service account key: {exc}"
        raise ConfigError(message) from exc
    return credentials


class FcmPushSender:
    """POST /v1/projects/{project_id}/messages:send with `Authorization: Bearer <token>`.

    The token comes from `credentials` through google-auth's AuthorizedSession, which refreshes
    it before it expires (and once more on a 401). A token that cannot be had is retryable.
    An UNREGISTERED answer raises UnregisteredDevice (the token is dead: forget it); any other
    4xx but 429 (INVALID_ARGUMENT, SENDER_ID_MISMATCH, a bad token) is permanent.
    """

    def __init__(
        self,
        *,
        project_id: str,
        credentials: Credentials,
        api_base: str = DEFAULT_API_BASE,
        timeout_seconds: float = 10.0,
    ) -> None:
        self._url = f"{api_base.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._timeout = timeout_seconds
        self._session = AuthorizedSession(credentials, refresh_timeout=timeout_seconds)  # type: ignore[no-untyped-call]

    def send(self, device_token: str, title: str, body: str, data: dict[str, str]) -> None:
        message = {
            "token": device_token,
            "notification": {"title": title, "body": body},
            "data": data,
        }
        try:
            response = post(
                self._session,
                self._url,
                provider="FCM",
                timeout=self._timeout,
                json={"message": message},
            )
        except google_auth_errors.GoogleAuthError as exc:
            raise RetryableDeliveryError(f"FCM access token not refreshed: {exc}") from exc
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
