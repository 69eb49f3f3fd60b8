"""Posting to an HTTP provider and reading its answer as sent, worth retrying, or refused."""

from __future__ import annotations

from typing import Any

import requests

from travellr.application.ports.notifications import PermanentDeliveryError, RetryableDeliveryError

RETRYABLE_STATUSES = frozenset({408, 429})


def post(
    session: requests.Session, url: str, *, provider: str, timeout: float, **kwargs: Any
) -> requests.Response:
    """POST; a network error, a timeout, 408, 429 or 5xx raise RetryableDeliveryError.

    Any other answer is returned, for the adapter to read (see `refuse`).
    """
    try:
        response = session.post(url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise RetryableDeliveryError(f"{provider} unreachable: {type(exc).__name__}") from exc
    if response.status_code in RETRYABLE_STATUSES or response.status_code >= 500:
        raise RetryableDeliveryError(describe(provider, response))
    return response


def describe(provider: str, response: requests.Response) -> str:
    return f"{provider} answered HTTP {response.status_code}: {response.text[:300]}"


def refuse(provider: str, response: requests.Response) -> None:
    """A 4xx answer (other than 408 and 429) is definitive: PermanentDeliveryError."""
    if response.status_code >= 400:
        raise PermanentDeliveryError(describe(provider, response))
