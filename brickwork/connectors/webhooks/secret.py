"""Sealing webhook signing secrets at rest: Fernet under a key derived (HKDF-SHA256) from
the installation's secret key, so a copy of the database alone does not give them away.

One pair, ``seal``/``unseal``, so the platform's secret box (issue 18's connections) can
take its place with no other change."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_fernets: dict[str, Fernet] = {}
_configured: list[str] = []


class Unreadable(Exception):
    """A sealed value made under another installation key (the key was changed)."""


def configure(secret_key: str) -> None:
    """The installation's key, given by the web app and the worker at start."""
    _configured[:] = [secret_key]


def _fernet() -> Fernet:
    if not _configured:  # a process that did not configure: the installation's settings
        from brickwork.platform.settings import load_settings

        configure(load_settings().secret_key)
    key = _configured[0]
    if key not in _fernets:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                       info=b"brickwork webhook secrets").derive(key.encode())
        _fernets[key] = Fernet(base64.urlsafe_b64encode(derived))
    return _fernets[key]


def seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise Unreadable("sealed under another installation key") from None
