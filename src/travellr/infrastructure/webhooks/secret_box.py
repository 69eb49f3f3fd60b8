"""Endpoint secrets encrypted at rest with Fernet, under keys derived from configuration.

The first key encrypts; every key decrypts (MultiFernet), so a key can be rotated by putting
the new one first and keeping the old one after it: secrets sealed under it still open.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"travellr webhook endpoint secrets"


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


class FernetSecretBox:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._box = MultiFernet([_fernet(key) for key in keys])

    def seal(self, secret: str) -> str:
        return self._box.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._box.decrypt(sealed.encode()).decode()
