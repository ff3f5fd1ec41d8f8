"""Sealing secrets at rest (connector passwords, bot secrets, webhook URLs that carry a key).

Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` package) under a key derived
with HKDF from the installation's ``secret_key``. Deriving, not reusing, keeps the session
signing key and the sealing key apart. Changing ``secret_key`` makes sealed secrets
unreadable: they must be entered again (docs/operations.md).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = "connections v1"
_key: str | None = None


class Unreadable(Exception):
    """A sealed value cannot be opened: the installation's secret key changed."""


def configure(secret_key: str) -> None:
    """The installation's secret key (``Settings.secret_key``); set at start by the web app and workers."""
    global _key
    _key = secret_key


def _secret() -> str:
    if _key is None:  # a process that did not configure: the settings from the environment
        from brickwork.platform.settings import load_settings

        configure(load_settings().secret_key)
    assert _key is not None
    return _key


@lru_cache(maxsize=8)
def fernet(secret_key: str, purpose: str = _PURPOSE) -> Fernet:
    """A key of its own per purpose (connections, sign-in factors), all from the one secret key."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=f"brickwork {purpose}".encode()).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(value: str) -> str:
    return fernet(_secret()).encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    try:
        return fernet(_secret()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise Unreadable("a sealed secret cannot be opened with this installation's secret key") from None
