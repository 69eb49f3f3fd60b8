"""bcrypt over an HMAC-SHA256 digest of the password.

bcrypt reads only 72 bytes (and bcrypt 5 refuses more), so a 128-character multi-byte password
would otherwise be cut short: two passwords sharing their first 72 bytes would share a hash.
Hashing first keeps every byte significant, as passlib's bcrypt_sha256 does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import bcrypt

_PREFIX = "$bcrypt-sha256$"
_PREHASH_KEY = b"travellr-password-prehash-v1"


class BcryptPasswordHasher:
    def __init__(self, rounds: int = 12) -> None:
        self._rounds = rounds
        self._dummy = self.hash("a password nobody has")

    def hash(self, password: str) -> str:
        digest = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self._rounds))
        return _PREFIX + digest.decode("ascii")

    def verify(self, password: str, password_hash: str | None) -> bool:
        stored = password_hash if password_hash else self._dummy
        if not stored.startswith(_PREFIX):
            return False
        matches = bcrypt.checkpw(_prehash(password), stored[len(_PREFIX) :].encode("ascii"))
        return matches and password_hash is not None


def _prehash(password: str) -> bytes:
    mac = hmac.new(_PREHASH_KEY, password.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(mac)
